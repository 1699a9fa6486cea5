// Entry of the probe's piscina workers. A worker thread cannot load a .ts file by itself, so this plain ESM file
// registers tsx's loader in the thread, then hands piscina the .ts task as its default export.
import { register } from 'tsx/esm/api';

register();

const task = await import('./worker.ts');

export default task.default;
