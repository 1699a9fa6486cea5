// CPU time and memory of a process as Linux accounts them: /proc/<pid>/stat (utime + stime of every thread, so a
// process's worker threads count) and /proc/<pid>/status (VmRSS now, sampled for a scenario's own peak).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
const MiB = 1 << 20;

/** utime + stime of all threads, in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // from the 3rd field (state) on
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

export function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`/proc/${pid}/status has no VmRSS`);
  return Number(m[1]) * 1024;
}

export interface ProcessFigures {
  cpuSeconds: number;
  rssPeakMiB: number;
  rssEndMiB: number;
}

/**
 * CPU used and the RSS peak of a process between start and stop. The peak is sampled every 100 ms, since VmHWM
 * only knows the process's lifetime peak.
 */
export class ProcessMeter {
  readonly #cpu0: number;
  #cpu: number;
  #peak: number;
  #last: number;
  readonly #timer: NodeJS.Timeout;

  constructor(readonly pid: number, sampleMs = 100) {
    this.#cpu0 = this.#cpu = cpuSeconds(pid);
    this.#peak = this.#last = rssBytes(pid);
    this.#timer = setInterval(() => this.#sample(), sampleMs);
  }

  #sample(): void {
    try {
      // A process that exits between samples keeps the figures of its last sample (a load generator ends by itself).
      this.#cpu = cpuSeconds(this.pid);
      this.#last = rssBytes(this.pid);
      if (this.#last > this.#peak) this.#peak = this.#last;
    } catch {
      // the process is gone: its owner notices that on its own
    }
  }

  /** Figures so far, without stopping. */
  read(): ProcessFigures {
    this.#sample();
    return { cpuSeconds: this.#cpu - this.#cpu0, rssPeakMiB: this.#peak / MiB, rssEndMiB: this.#last / MiB };
  }

  stop(): ProcessFigures {
    const f = this.read();
    clearInterval(this.#timer);
    return f;
  }
}
