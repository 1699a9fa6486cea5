import type { BotServices } from './context.ts';

/** When a link made now stops working (LINK_EXPIRY_SECONDS; 0 = never). */
export function linkExpiry(s: Pick<BotServices, 'config' | 'clock'>): Date | null {
  const seconds = s.config.linkExpirySeconds ?? 0;
  return seconds > 0 ? new Date(s.clock.now() + seconds * 1000) : null;
}
