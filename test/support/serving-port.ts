import { createInterface } from 'node:readline';
import type { ChildProcess } from 'node:child_process';

/**
 * The port a StreamBot child process reports in its "StreamBot is serving" log line; rejects with its output if it
 * exits first. Every line it prints is kept in `log`.
 */
export function servingPort(child: ChildProcess, log: string[]): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      log.push(line);
      try {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg === 'StreamBot is serving' && typeof entry.port === 'number') resolve(entry.port);
      } catch {
        // not a log line
      }
    });
    child.stderr!.on('data', (c: Buffer) => log.push(c.toString()));
    child.once('exit', (code, signal) => reject(new Error(`StreamBot exited before serving (code ${code}, signal ${signal}):\n${log.join('\n')}`)));
  });
}
