// One request on one sender, settled by the first answer. gramjs's client.invoke sleeps and resends on some server
// errors and tears the whole client down on CONNECTION_NOT_INITED; either would hold a job the supervisor could move
// to another session at once, so the session's own calls go through here and every error comes straight back.
import { createRequire } from 'node:module';
import type { Api, TelegramClient } from 'telegram';

const require = createRequire(import.meta.url);
const { utils, errors } = require('telegram') as typeof import('telegram');
const { RequestState } = require('telegram/network/RequestState') as typeof import('telegram/network/RequestState.js');

/** Sends `request` on the home DC's sender, or on the download sender of `dcId` when given. */
export async function invokeOnce<R extends Api.AnyRequest>(client: TelegramClient, request: R, dcId?: number): Promise<R['__response']> {
  const c = client as any;
  const sender = dcId === undefined ? c._sender : await client.getSender(dcId);
  if (!sender || sender.userDisconnected) throw new Error('the session is disconnected: start() must complete first');
  await c._connectedDeferred.promise;
  await (request as any).resolve(client, utils);
  c._lastRequest = Date.now();
  const state = new RequestState(request);
  for (let attempt = 0; ; attempt++) {
    sender.addStateToQueue(state);
    try {
      const result = await state.promise;
      state.finished.resolve();
      c.session.processEntities(result);
      c._entityCache.add(result);
      return result as R['__response'];
    } catch (err) {
      // Sent before a message it must follow was confirmed: resend once that one is (an ordering rule, not a fault).
      if (err instanceof errors.MsgWaitError && attempt < 3) {
        await state.isReady();
        state.after = undefined;
        state.resetPromise();
        continue;
      }
      state.finished.resolve();
      throw err;
    }
  }
}
