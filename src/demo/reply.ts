// Reading the bot's answer to a file the way a person sees it in Telegram: the text and a row of link buttons.
import type { BotMessageView } from '../sandbox/control.ts';

export interface ReplyLinks {
  download: string;
  stream?: string;
  player?: string;
}

/** The links behind the reply's buttons, by the path they lead to; undefined while the reply has no download link. */
export function replyLinks(msg: BotMessageView): ReplyLinks | undefined {
  const urls = msg.buttons.flat().flatMap((b) => (b.url ? [b.url] : []));
  const byPath = (segment: string) => urls.find((u) => new URL(u).pathname.includes(`/${segment}/`));
  const download = byPath('dl');
  if (!download) return undefined;
  // The player is StreamBot's /watch page, or an external page given the stream link (VIDEO_FRONTEND_URL).
  const player = byPath('watch') ?? urls.find((u) => new URL(u).searchParams.has('stream'));
  return { download, stream: byPath('stream'), player };
}

/** The reply as a chat shows it: its text, then its buttons in brackets. */
export function formatReply(msg: BotMessageView, indent = '  '): string {
  const lines = msg.text.split('\n');
  for (const row of msg.buttons) lines.push(row.map((b) => `[${b.text}]`).join(' '));
  return lines.map((l) => (l ? indent + l : '')).join('\n');
}
