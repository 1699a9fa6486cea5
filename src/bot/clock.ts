// Time as the bot sees it. Everything that waits (pacing, FLOOD_WAIT, album debounce, progress edits) goes through
// one clock, so tests can run hours of bot time in milliseconds with a virtual clock.

export interface BotClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export function realClock(now: () => number = Date.now): BotClock {
  return {
    now,
    // unref: a pending FLOOD_WAIT must not keep a stopping process alive.
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)).unref()),
  };
}
