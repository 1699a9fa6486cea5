// Small statistics for bench figures.

/** Nearest-rank percentile: p99 of 50 samples is their largest. NaN for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** A figure rounded for a report; null when it could not be measured (NaN, Infinity). */
export function round(n: number, digits = 1): number | null {
  return Number.isFinite(n) ? +n.toFixed(digits) : null;
}

export interface Spread {
  n: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
}

export function spread(samples: readonly number[], digits = 1): Spread {
  return {
    n: samples.length,
    p50: round(percentile(samples, 50), digits),
    p99: round(percentile(samples, 99), digits),
    max: samples.length ? round(Math.max(...samples), digits) : null,
  };
}

/** Least-squares slope and intercept of y over x (the cost of one more session, say). */
export function linearFit(xs: readonly number[], ys: readonly number[]): { slope: number; intercept: number } {
  const n = xs.length;
  if (n < 2 || n !== ys.length) return { slope: NaN, intercept: NaN };
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  const slope = num / den;
  return { slope, intercept: my - slope * mx };
}

/** mulberry32: the same pseudo-random sequence for the same seed, so runs pick the same offsets. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const MiB = 1 << 20;
export const MB = 1e6;
