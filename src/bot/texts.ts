// Every sentence a user reads, in one place. All texts are Telegram HTML: anything that came from a user or from
// Telegram is escaped here, never by the caller.

import type { OtherContent } from '../../actors/session/protocol.ts';
import { escapeHtml as e, formatUtc, formatWait, humanBytes } from './display.ts';

export const texts = {
  start: (firstName: string | undefined, botUsername: string) =>
    `👋 Hello${firstName ? ` ${e(firstName)}` : ''}!\n\n` +
    `I turn Telegram files into links: send me a document, video, audio, voice note or photo and I answer with a ` +
    `<b>download link</b> that works in any browser or download manager, and for videos and music a ` +
    `<b>stream link</b> you can play and seek without downloading first.\n\n` +
    `/myfiles lists your files and lets you revoke a link. /help says more.\n\n@${e(botUsername)}`,
  help: (limits: { maxFileSize: string | null; linksPerDay: number }) =>
    `<b>How to use me</b>\n\n` +
    `1. Send or forward a file (an album works too).\n` +
    `2. I reply with its download link, and for video and audio a stream link and a player.\n` +
    `3. /myfiles shows your files, newest first; "Revoke" stops a link for good.\n\n` +
    (limits.maxFileSize ? `Largest file accepted: ${limits.maxFileSize}.\n` : '') +
    (limits.linksPerDay > 0 ? `New links per user: ${limits.linksPerDay} in 24 hours.\n` : '') +
    `Commands: /start, /myfiles, /help, /about`,
  about: (botUsername: string) =>
    `<b>StreamBot</b> (@${e(botUsername)})\n\nA self-hosted bot that turns Telegram files into download and ` +
    `streaming links. Files stay on Telegram; the links fetch them on demand with range support, so players can seek.`,

  // Refusals and prompts
  banned: () => '⛔ You are banned from using this bot.',
  notAllowed: () => '⛔ Not allowed: this command is for the bot\'s admins only.',
  unknownCommand: (command: string) => `❓ I don't know the command ${e(command)}. Send /help to see what I can do.`,
  plainText: () => '📎 Send me a file (document, video, audio, voice note or photo) and I will reply with its links. /help says more.',
  empty: () => '🤔 That message looks empty. Send me a file to get its links.',
  other: (what: OtherContent) => {
    const names: Record<OtherContent, string> = {
      sticker: 'Stickers', contact: 'Contacts', location: 'Locations', poll: 'Polls', dice: 'Dice', game: 'Games', other: 'Messages like this',
    };
    return `🙂 ${names[what]} can't become links. Send me a file (document, video, audio, voice note or photo) instead.`;
  },
  error: () => '⚠️ Something went wrong on my side. Please try again in a moment.',
  working: () => '⏳ Working on it…',

  // Force-subscribe
  joinRequired: () => '🔒 <b>Join required</b>\n\nPlease join our channel to use this bot, then tap "Try again".',
  joinButton: () => '📢 Join the channel',
  tryAgainButton: () => '🔄 Try again',
  joinedNow: () => '✅ Thanks for joining! Send me a file to get its links.',
  stillNotJoined: () => 'You have not joined the channel yet. Join it, then tap "Try again".',

  // File rules and limits
  emptyFile: () => '❌ This file is empty (0 bytes), so there is nothing to link to.',
  tooLarge: (size: number, max: number) => `❌ This file is ${humanBytes(size)}; the largest accepted is ${humanBytes(max)} (MAX_FILE_SIZE_MB).`,
  mimeBlocked: (mime: string, rule: string) => `❌ Files of type ${e(mime)} are not accepted here (blocked: ${e(rule)}).`,
  mimeNotAllowed: (mime: string, allowed: string[]) => `❌ Files of type ${e(mime)} are not accepted here. Accepted types: ${e(allowed.join(', '))}.`,
  stickerFile: () => '🙂 Stickers can\'t become links. Send me a file instead.',
  dailyLimit: (limit: number, retryAt: Date | null, now: number) =>
    `🚦 <b>Daily limit reached</b>\n\nYou can create ${limit} link${limit === 1 ? '' : 's'} in 24 hours.` +
    (retryAt ? ` Your next link is possible in ${formatWait(retryAt.getTime() - now)} (${formatUtc(retryAt)}).` : ' Please try again later.'),
  quotaGlobal: (resetsAt: Date) => `📊 The bot has used its bandwidth for this month, so no new links can be made. It resets on ${formatUtc(resetsAt)}.`,
  quotaUser: (resetsAt: Date) => `📊 You have used your bandwidth for this month, so no new links can be made. It resets on ${formatUtc(resetsAt)}.`,
  copyFailed: () => '⚠️ I could not save this file right now. Please send it again in a moment.',

  // Links
  linkButtons: { download: '⬇️ Download', stream: '▶️ Stream', player: '🎬 Player' },
  fileLinks: (f: { name: string; size: number; title: string | null; download: string; stream: string | null; player: string | null }) =>
    `✅ <b>Your link is ready</b>\n\n` +
    (f.title ? `<b>${e(f.title)}</b>\n` : '') +
    `📄 <code>${e(f.name)}</code>\n💾 ${humanBytes(f.size)}\n\n` +
    `⬇️ Download: ${e(f.download)}` +
    (f.stream ? `\n▶️ Stream: ${e(f.stream)}` : '') +
    (f.player ? `\n🎬 Player: ${e(f.player)}` : ''),
  albumHeader: (ok: number, total: number) => `✅ <b>${ok} of ${total} file${total === 1 ? '' : 's'} ready</b>`,
  albumItem: (n: number, f: { name: string; size: number; download: string; stream: string | null }) =>
    `${n}. <code>${e(f.name)}</code> (${humanBytes(f.size)})\n⬇️ ${e(f.download)}` + (f.stream ? `\n▶️ ${e(f.stream)}` : ''),
  albumRefused: (n: number, name: string, reason: string) => `${n}. <code>${e(name)}</code>: ${reason}`,
  albumTitle: (title: string) => `<b>${e(title)}</b>`,

  // /start file_<id>
  fileNotFound: () => '❌ I can\'t find that file. The link may be wrong, or the file was removed.',
  fileNotYours: () => '⛔ That file belongs to someone else.',
  fileRevoked: () => '🚫 That link was revoked and no longer works.',

  // /myfiles
  noFiles: () => '📭 You have no files yet. Send me one to get its links.',
  myFilesHeader: (page: number, pages: number, total: number) => `📂 <b>Your files</b> (${total}), page ${page} of ${pages}`,
  myFilesItem: (n: number, f: { name: string; title: string | null; size: number; date: Date; download: string; stream: string | null; revoked: boolean; expired: boolean }) =>
    `${n}. ${f.title ? `<b>${e(f.title)}</b> ` : ''}<code>${e(f.name)}</code>\n    ${humanBytes(f.size)}, ${formatUtc(f.date)}` +
    (f.revoked ? '\n    🚫 revoked' : f.expired ? '\n    ⌛ expired' : `\n    <a href="${e(f.download)}">Download</a>` + (f.stream ? ` · <a href="${e(f.stream)}">Stream</a>` : '')),
  prevButton: () => '« Prev',
  nextButton: () => 'Next »',
  revokeButton: (n: number) => `🗑 Revoke ${n}`,
  revokedToast: () => 'Link revoked: it no longer works.',
  renewButton: (n: number) => `🔁 Renew ${n}`,
  renewedToast: () => 'Renewed: the file has a new link.',
  revokeNotYours: () => 'That file is not yours.',
  staleButton: () => 'This button is no longer valid.',

  // Admin
  stats: (s: {
    users: number; banned: number; files: number; monthBytes: number; month: string; activeStreams: number;
    sessions: { index: number; state: string; username?: string; detail?: string }[];
  }) =>
    `📊 <b>Stats</b>\n\nUsers: ${s.users} (banned: ${s.banned})\nFiles: ${s.files}\n` +
    `Bandwidth ${e(s.month)}: ${humanBytes(s.monthBytes)}\nActive streams: ${s.activeStreams}\n\n<b>Sessions</b>\n` +
    (s.sessions.length === 0 ? 'none' : s.sessions
      .map((x) => `#${x.index} ${x.username ? `@${e(x.username)} ` : ''}${e(x.state)}${x.detail ? `: ${e(x.detail)}` : ''}`)
      .join('\n')),
  banUsage: (command: string) => `Usage: /${command} &lt;user id&gt;, or reply with /${command} to a message from (or forwarded from) the user.`,
  banned_ok: (id: number) => `⛔ User ${id} is banned.`,
  unbanned_ok: (id: number) => `✅ User ${id} is unbanned.`,
  unbanUnknown: (id: number) => `I don't know user ${id}.`,
  cannotBanAdmin: () => 'Admins cannot be banned.',
  revokeUsage: () => 'Usage: /revoke &lt;download or stream link, or file id&gt;',
  revokeDone: (id: string) => `🚫 File ${e(id)} is revoked; its links answer 410 Gone.`,
  revokeUnknown: (input: string) => `I can't find a file for ${e(input)}.`,
  logsEmpty: () => 'No log lines match.',
  logsHeader: (shown: number, level: string | null, text: string | null) =>
    `📋 <b>Recent logs</b>: ${shown} line${shown === 1 ? '' : 's'}${level ? `, level ≥ ${e(level)}` : ''}${text ? `, containing "${e(text)}"` : ''}`,
  broadcastUsage: () => 'Reply to the message you want to send to every user with /broadcast.',
  broadcastBusy: () => '⏳ A broadcast is already running; wait for its summary.',
  broadcastStarted: () => '📢 Broadcast started…',
  broadcastProgress: (c: BroadcastCounts) => `📢 Broadcasting… ${c.done} users so far\n` + broadcastCountsText(c),
  broadcastDone: (c: BroadcastCounts) => `✅ <b>Broadcast finished</b> (${c.done} users)\n` + broadcastCountsText(c),
  broadcastStopped: (c: BroadcastCounts) => `⏹ <b>Broadcast stopped</b> (the bot is shutting down) after ${c.done} users\n` + broadcastCountsText(c),
};

export interface BroadcastCounts {
  done: number;
  delivered: number;
  blocked: number;
  deactivated: number;
  failed: number;
}

function broadcastCountsText(c: BroadcastCounts): string {
  return `Delivered: ${c.delivered}\nBlocked the bot: ${c.blocked}\nDeactivated accounts: ${c.deactivated}\nFailed: ${c.failed}`;
}
