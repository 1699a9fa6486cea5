// The sandbox DC in a child process, as `npm run sandbox` runs it. The child gets its own process group so a Ctrl-C
// in the terminal reaches only the demo, which closes StreamBot while the DC is still up and then stops the DC.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface SandboxProcess {
  controlUrl: string;
  /** Settles when the child ends, for whatever reason, with its exit code (null when a signal ended it). */
  exited: Promise<number | null>;
  /** SIGTERM, then waits for the child to end; SIGKILL if it has not within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const SANDBOX_MAIN = fileURLToPath(new URL('../sandbox/main.ts', import.meta.url));
// Resolved from here, not from the working directory, so the demo runs from anywhere.
const TSX = import.meta.resolve('tsx');

export async function startSandboxProcess(): Promise<SandboxProcess> {
  const child = spawn(process.execPath, ['--import', TSX, SANDBOX_MAIN], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const running = () => child.exitCode === null && child.signalCode === null;
  // Last resort when the demo ends without its shutdown (an uncaught error): no DC is left behind.
  process.on('exit', () => {
    if (running()) child.kill('SIGKILL');
  });

  const lines = createInterface({ input: child.stdout! });
  const firstLine = await Promise.race([
    once(lines, 'line').then(([line]) => line as string),
    exited.then((code) => Promise.reject(new Error(`the sandbox DC exited with code ${code} before it printed its endpoint`))),
  ]);
  lines.close();
  child.stdout!.resume();
  let controlUrl: string;
  try {
    controlUrl = (JSON.parse(firstLine) as { control: string }).control;
    new URL(controlUrl);
  } catch {
    child.kill('SIGKILL');
    throw new Error(`the sandbox DC printed ${JSON.stringify(firstLine.slice(0, 200))} instead of its endpoint as JSON`);
  }

  return {
    controlUrl,
    exited,
    stop: async (graceMs = 10_000) => {
      if (!running()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
