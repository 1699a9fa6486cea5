// One chat command: its name, who may use it, and what it does.

import type { MessageCtx } from '../context.ts';

export interface Command {
  name: string;
  /** Only ADMINS may run it; anyone else is told so and nothing happens. */
  admin?: boolean;
  /** Works before a FORCE_SUB_CHANNEL member check (what the bot is, how to use it). */
  open?: boolean;
  /** `args` is the text after the command, trimmed. */
  run(ctx: MessageCtx, args: string): Promise<void>;
}

/** "/cmd@bot args" → { name: 'cmd', args }. Null when the text is not a command. */
export function parseCommand(text: string): { name: string; mention: string | null; args: string } | null {
  const m = /^\/([A-Za-z0-9_]{1,64})(?:@([A-Za-z0-9_]+))?(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!m) return null;
  return { name: m[1]!.toLowerCase(), mention: m[2] ?? null, args: (m[3] ?? '').trim() };
}
