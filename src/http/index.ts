export { createHttpServer, RETRY_AFTER_S, type HttpServer, type HttpServerOptions, type HttpStats } from './server.ts';
export type { ResponseOutcome } from './file-response.ts';
export { HttpError, HttpErrorCodes, isHttpError, type HttpErrorCode } from './errors.ts';
export type { HttpLogger } from './logger.ts';
export { isNativeUws, loadUws } from './uws.ts';
export { fileLinks, type FileLinks } from './links.ts';
export { RESPONSE_CHANNEL, subscribeResponses, type ResponseEvent, type ResponseStartEvent, type ResponseBytesEvent, type ResponseEndEvent } from './diagnostics.ts';
export type { HealthState } from './server.ts';
