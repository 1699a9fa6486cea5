// Entry of the probe's piscina workers; piscina takes the task as this module's default export. Compiled (dist/,
// what production runs), worker.js sits beside this file and is imported as it is. From the sources, a worker thread
// cannot load a .ts file by itself, so tsx's loader is registered in the thread first.
import { existsSync } from 'node:fs';

const compiled = new URL('./worker.js', import.meta.url);
let task;
if (existsSync(compiled)) {
  task = await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  task = await import('./worker.ts');
}

export default task.default;
