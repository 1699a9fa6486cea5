// An RPC error as Telegram answers it: rpc_error#2144ca19 error_code:int error_message:string
// (core.telegram.org/api/errors).
export class RpcError extends Error {
  override name = 'RpcError';
  constructor(readonly code: number, readonly errorMessage: string) {
    super(`${code} ${errorMessage}`);
  }
}

export const badRequest = (message: string) => new RpcError(400, message);
export const unauthorized = (message = 'AUTH_KEY_UNREGISTERED') => new RpcError(401, message);
export const seeOther = (message: string) => new RpcError(303, message);
export const forbidden = (message: string) => new RpcError(403, message);
export const floodWait = (seconds: number) => new RpcError(420, `FLOOD_WAIT_${seconds}`);
