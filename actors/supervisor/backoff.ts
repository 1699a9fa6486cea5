// Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): retries of many
// jobs that failed together spread out instead of hitting Telegram again in the same instant.

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

/** Delay before retry number `n` (1 = first retry): uniform in [ceiling / 2, ceiling], ceiling = base·2^(n-1) capped. */
export function backoffDelay(n: number, { baseMs, maxMs }: BackoffOptions, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, n - 1));
  // Half fixed, half jitter: a retry never comes back instantly, and simultaneous failures still spread.
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
