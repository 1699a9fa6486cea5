// File responses as they happen, on one node:diagnostics_channel channel, so usage accounting and metrics subscribe
// instead of being threaded through the server. Per response: one 'start' when the body begins, one 'bytes' per
// block uWS accepted (plus a last one for what it accepted before an abort), one 'end' for every file response.
// Invariant: the 'bytes' of a response add up to its 'end' totalBytes, which equals outcome.bytesSent.
import diagnostics_channel from 'node:diagnostics_channel';
import type { FileInfo, FileSource } from '../streaming/types.ts';
import type { DispositionType } from './content-disposition.ts';
import type { ResponseOutcome } from './file-response.ts';

export const RESPONSE_CHANNEL = 'streambot:http:response';

interface ResponseEventBase {
  /** Unique per response in this process. */
  responseId: number;
  /** The server's FileSource: several servers in one process share the channel; subscribers tell them apart. */
  source: FileSource;
  disposition: DispositionType;
  /** Body bytes in this event. */
  bytes: number;
  /** Body bytes uWS accepted for this response so far, this event included. */
  totalBytes: number;
}

export interface ResponseStartEvent extends ResponseEventBase {
  type: 'start';
  info: FileInfo;
  status: 200 | 206;
  /** Offset in the file of the first body byte: 0 marks a download or play from the start. */
  firstByte: number;
  /** Body length promised by Content-Length (multipart framing included). */
  contentLength: number;
}

export interface ResponseBytesEvent extends ResponseEventBase {
  type: 'bytes';
  info: FileInfo;
  firstByte: number;
}

export interface ResponseEndEvent extends ResponseEventBase {
  type: 'end';
  /** null when the id was unknown or the lookup failed or stalled. */
  info: FileInfo | null;
  firstByte: number | null;
  outcome: ResponseOutcome;
}

export type ResponseEvent = ResponseStartEvent | ResponseBytesEvent | ResponseEndEvent;

const channel = diagnostics_channel.channel(RESPONSE_CHANNEL);
let lastResponseId = 0;

export function nextResponseId(): number {
  return ++lastResponseId;
}

/** True when someone listens; callers skip building events otherwise. */
export function hasResponseSubscribers(): boolean {
  return channel.hasSubscribers;
}

export function publishResponseEvent(event: ResponseEvent): void {
  // A subscriber that throws does not reach here: Node rethrows it asynchronously as an uncaught exception.
  channel.publish(event);
}

/** Subscribes to every file response event of this process; returns the unsubscribe function. */
export function subscribeResponses(listener: (event: ResponseEvent) => void): () => void {
  const onMessage = (message: unknown) => listener(message as ResponseEvent);
  diagnostics_channel.subscribe(RESPONSE_CHANNEL, onMessage);
  return () => {
    diagnostics_channel.unsubscribe(RESPONSE_CHANNEL, onMessage);
  };
}
