// Entry point of every actor worker thread. Node 20 cannot start a Worker from a .ts file even when the parent runs
// under tsx, so this plain ESM file registers tsx's loader in the thread first, then imports the actor's .ts entry
// named in workerData.entry.
//
// Before the entry runs, comlink's "throw" transfer handler is replaced so that an error thrown by any exposed
// method crosses to the parent as a SerializedError (actors/errors.ts): the default handler would keep only
// name/message/stack and drop `code`, `seconds` and the other fields the supervisor schedules on.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';

register();

const entry = workerData?.entry;
if (typeof entry !== 'string' || entry.length === 0) {
  throw new TypeError('workerData.entry must be the path or file: URL of the actor entry module');
}

const Comlink = await import('comlink');
const { serializeError } = await import('./errors.ts');
const defaultThrow = Comlink.transferHandlers.get('throw');
Comlink.transferHandlers.set('throw', {
  canHandle: defaultThrow.canHandle,
  // Sent as a thrown plain value: the parent's stock deserializer rethrows it untouched and the supervisor
  // turns it back into a typed error with deserializeError.
  serialize: ({ value }) => [{ isError: false, value: serializeError(value) }, []],
  deserialize: defaultThrow.deserialize,
});

await import(entry.startsWith('file:') ? entry : pathToFileURL(entry).href);
