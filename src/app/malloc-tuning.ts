// Fixes glibc's mmap threshold at 128 KiB for the whole process (main thread and session workers). Blocks are MiB-
// sized buffers allocated on one thread and freed on another many times a second; glibc's default then raises its
// threshold and keeps those MiB in per-thread arenas, which measured here as 40-60 MiB more RSS under one
// full-speed stream. Set through the streambot-ige addon (mallopt); a MALLOC_MMAP_THRESHOLD_ set by the user wins.
import { createRequire } from 'node:module';

export const MMAP_THRESHOLD_BYTES = 128 * 1024;

export type MallocTuning = { applied: true; mmapThresholdBytes: number } | { applied: false; reason: string };

interface MallocAddon {
  setMmapThreshold?: (bytes: number) => boolean;
}

export function tuneMalloc(env: NodeJS.ProcessEnv = process.env, load: () => MallocAddon = () => createRequire(import.meta.url)('streambot-ige') as MallocAddon): MallocTuning {
  if (env.MALLOC_MMAP_THRESHOLD_ !== undefined) return { applied: false, reason: 'MALLOC_MMAP_THRESHOLD_ is set: glibc uses that' };
  let addon: MallocAddon;
  try {
    addon = load();
  } catch (err) {
    return { applied: false, reason: `the streambot-ige addon did not load: ${(err as Error).message.split('\n')[0]}` };
  }
  if (typeof addon.setMmapThreshold !== 'function') return { applied: false, reason: 'the streambot-ige addon has no setMmapThreshold (an older build: npm rebuild streambot-ige)' };
  return addon.setMmapThreshold(MMAP_THRESHOLD_BYTES)
    ? { applied: true, mmapThresholdBytes: MMAP_THRESHOLD_BYTES }
    : { applied: false, reason: 'not glibc: its allocator is left as it is' };
}
