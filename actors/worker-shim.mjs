// Entry point of every actor worker thread, then the actor's own entry named in workerData.entry is imported.
//
// Compiled (dist/, what production runs): the entry is a .js file and the shim sits beside errors.js; nothing else is
// loaded, least of all a TypeScript loader, which would cost every session worker its memory. From the sources
// (tests, `npm run demo`): Node 20 cannot start a Worker from a .ts file even when the parent runs under tsx, so the
// shim registers tsx's loader in the thread first.
//
// Before the entry runs, comlink's "throw" transfer handler is replaced so that an error thrown by any exposed
// method crosses to the parent as a SerializedError (actors/errors.ts): the default handler would keep only
// name/message/stack and drop `code`, `seconds` and the other fields the supervisor schedules on.
import { workerData } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const entry = workerData?.entry;
if (typeof entry !== 'string' || entry.length === 0) {
  throw new TypeError('workerData.entry must be the path or file: URL of the actor entry module');
}

const compiledErrors = new URL('./errors.js', import.meta.url);
const compiled = existsSync(compiledErrors);
if (!compiled || /\.[cm]?ts$/.test(entry)) {
  const { register } = await import('tsx/esm/api');
  register();
}

const Comlink = await import('comlink');
const { serializeError } = await import(compiled ? compiledErrors.href : './errors.ts');
const defaultThrow = Comlink.transferHandlers.get('throw');
Comlink.transferHandlers.set('throw', {
  canHandle: defaultThrow.canHandle,
  // Sent as a thrown plain value: the parent's stock deserializer rethrows it untouched and the supervisor
  // turns it back into a typed error with deserializeError.
  serialize: ({ value }) => [{ isError: false, value: serializeError(value) }, []],
  deserialize: defaultThrow.deserialize,
});

await import(entry.startsWith('file:') ? entry : pathToFileURL(entry).href);
