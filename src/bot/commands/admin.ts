// Admin commands: /stats, /ban, /unban, /revoke, /logs. (/broadcast has its own module.)

import { isPublicId } from '../../store/index.ts';
import type { MessageCtx } from '../context.ts';
import { escapeHtml } from '../display.ts';
import { MAX_MESSAGE_CHARS } from '../outbox.ts';
import { RecentLogs, scrubSecrets } from '../recent-logs.ts';
import { texts } from '../texts.ts';
import type { Command } from './command.ts';

export const statsCommand: Command = {
  name: 'stats',
  admin: true,
  async run(ctx) {
    const { store } = ctx.s;
    const [users, banned, files, usage] = await Promise.all([
      store.countUsers(), store.countUsers({ banned: true }), store.countFiles(), store.getMonthlyUsage(null),
    ]);
    const status = ctx.s.status();
    const sessions = status.sessions.map((x) => ({ ...x, detail: x.detail === undefined ? undefined : scrubSecrets(x.detail) }));
    ctx.say(texts.stats({ users, banned, files, monthBytes: usage.bytes, month: usage.month, activeStreams: status.activeStreams, sessions }));
  },
};

function banCommand(name: 'ban' | 'unban'): Command {
  return {
    name,
    admin: true,
    async run(ctx, args) {
      const target = targetUser(ctx, args);
      if (target === null) return ctx.say(texts.banUsage(name));
      const { store } = ctx.s;
      if (name === 'ban') {
        if (ctx.s.config.admins.includes(target)) return ctx.say(texts.cannotBanAdmin());
        // A user who never wrote can be banned ahead of time.
        if (!(await store.setBanned(target, true))) {
          await store.upsertUser({ userId: target });
          await store.setBanned(target, true);
        }
        ctx.s.logger.info({ admin: ctx.userId, userId: target }, 'user banned');
        return ctx.say(texts.banned_ok(target));
      }
      if (!(await store.setBanned(target, false))) return ctx.say(texts.unbanUnknown(target));
      ctx.s.logger.info({ admin: ctx.userId, userId: target }, 'user unbanned');
      ctx.say(texts.unbanned_ok(target));
    },
  };
}

export const banCommands = [banCommand('ban'), banCommand('unban')];

/** The id given, or the author of the replied message (the original author when it is a forward). */
function targetUser(ctx: MessageCtx, args: string): number | null {
  const id = /^\d{1,20}$/.test(args) ? Number(args) : null;
  if (id !== null && Number.isSafeInteger(id) && id > 0) return id;
  if (args !== '') return null;
  const from = ctx.msg.replyTo?.forwardFromId ?? ctx.msg.replyTo?.fromId;
  const replied = from === undefined ? NaN : Number(from);
  return Number.isSafeInteger(replied) && replied > 0 ? replied : null;
}

export const revokeCommand: Command = {
  name: 'revoke',
  admin: true,
  async run(ctx, args) {
    const id = fileIdFrom(args);
    if (!id) return ctx.say(args === '' ? texts.revokeUsage() : texts.revokeUnknown(args));
    if (!(await ctx.s.store.revokeFile(id))) return ctx.say(texts.revokeUnknown(args));
    ctx.s.logger.info({ admin: ctx.userId, fileId: id }, 'file revoked by an admin');
    ctx.say(texts.revokeDone(id));
  },
};

/** Accepts a /dl/ or /stream/ link (any host, any prefix) or a bare public id. */
export function fileIdFrom(input: string): string | null {
  const text = input.trim();
  if (text === '') return null;
  if (isPublicId(text)) return text;
  let path: string;
  try {
    path = new URL(text).pathname;
  } catch {
    return null;
  }
  const m = /\/(?:dl|stream)\/([^/]+)(?:\/|$)/.exec(path);
  if (!m) return null;
  const id = decodeURIComponent(m[1]!);
  return isPublicId(id) ? id : null;
}

export const logsCommand: Command = {
  name: 'logs',
  admin: true,
  async run(ctx, args) {
    const words = args.split(/\s+/).filter(Boolean);
    const level = words[0] !== undefined && RecentLogs.levelOf(words[0]) !== undefined ? words.shift()! : null;
    const text = words.length ? words.join(' ') : null;
    const lines = ctx.s.logs.query({ level: level ?? undefined, text: text ?? undefined, limit: 200 }).map((e) => e.text);
    if (lines.length === 0) return ctx.say(texts.logsEmpty());
    // Newest lines first into the budget, shown oldest first.
    const kept: string[] = [];
    const budget = MAX_MESSAGE_CHARS - 200;
    let used = 0;
    for (let i = lines.length - 1; i >= 0; i -= 1) {
      const line = escapeHtml(lines[i]!.length > 600 ? `${lines[i]!.slice(0, 599)}…` : lines[i]!);
      if (used + line.length + 1 > budget) break;
      kept.unshift(line);
      used += line.length + 1;
    }
    ctx.say(`${texts.logsHeader(kept.length, level, text)}\n<pre>${kept.join('\n')}</pre>`);
  },
};
