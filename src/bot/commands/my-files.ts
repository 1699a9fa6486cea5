// /myfiles: the user's files, newest first, a page at a time, with Prev/Next, a Revoke button per live link and a
// Renew button per expired or revoked one (a new link for the same file).
// Callback data: "mf:p:<page>", "mf:r:<file id>:<page>" and "mf:n:<file id>:<page>" (well under Telegram's 64 bytes).

import type { InlineButton } from '../../../actors/session/protocol.ts';
import type { BotServices, MessageCtx } from '../context.ts';
import { linksOf } from '../links-reply.ts';
import { linkExpiry } from '../link-expiry.ts';
import { texts } from '../texts.ts';
import type { CallbackUpdate } from '../types.ts';
import type { Command } from './command.ts';

export const PAGE_SIZE = 5;

/** The store lists at most 1000 files per call; pages beyond are not offered. */
const MAX_PAGES = Math.floor(1000 / PAGE_SIZE);

export const myFilesCommand: Command = {
  name: 'myfiles',
  async run(ctx: MessageCtx) {
    const page = await renderPage(ctx.s, ctx.userId, 0);
    if (!page) return ctx.say(texts.noFiles());
    await ctx.reply(page.text, page.buttons.length ? page.buttons : undefined);
  },
};

export async function renderPage(s: BotServices, userId: number, pageIndex: number): Promise<{ text: string; buttons: InlineButton[][] } | null> {
  // Expired links are listed too, so they can be renewed; cursors only go forward, so a page is the tail of a list.
  const { items: all } = await s.store.listFilesByUser(userId, { limit: MAX_PAGES * PAGE_SIZE }, { includeExpired: true });
  const total = all.length;
  if (total === 0) return null;
  const pages = Math.min(MAX_PAGES, Math.ceil(total / PAGE_SIZE));
  const index = Math.max(0, Math.min(pageIndex, pages - 1));
  const files = all.slice(index * PAGE_SIZE, (index + 1) * PAGE_SIZE);
  const lines = [texts.myFilesHeader(index + 1, pages, total), ''];
  const revokeRow: InlineButton[] = [];
  files.forEach((f, i) => {
    const n = index * PAGE_SIZE + i + 1;
    const links = linksOf(f, s.config.baseUrl, s.config);
    lines.push(texts.myFilesItem(n, { name: f.fileName, title: f.title, size: f.fileSize, date: f.uploadDate, download: links.download, stream: links.stream, revoked: f.revoked, expired: f.expired }));
    if (f.revoked || f.expired) revokeRow.push({ text: texts.renewButton(n), data: `mf:n:${f.id}:${index}` });
    else revokeRow.push({ text: texts.revokeButton(n), data: `mf:r:${f.id}:${index}` });
  });
  const buttons: InlineButton[][] = [];
  // Two revoke buttons per row keep the labels readable on a phone.
  for (let i = 0; i < revokeRow.length; i += 2) buttons.push(revokeRow.slice(i, i + 2));
  const nav: InlineButton[] = [];
  if (index > 0) nav.push({ text: texts.prevButton(), data: `mf:p:${index - 1}` });
  if (index < pages - 1) nav.push({ text: texts.nextButton(), data: `mf:p:${index + 1}` });
  if (nav.length) buttons.push(nav);
  return { text: lines.join('\n'), buttons };
}

/** Handles "mf:..." callbacks; answers the callback in every case. */
export async function onMyFilesCallback(s: BotServices, cb: CallbackUpdate, userId: number, isAdmin: boolean): Promise<void> {
  const page = /^mf:p:(\d{1,4})$/.exec(cb.data);
  const action = /^mf:([rn]):([A-Za-z0-9_-]{1,32}):(\d{1,4})$/.exec(cb.data);
  let toast: string | undefined;
  let pageIndex: number;
  if (page) {
    pageIndex = Number(page[1]);
  } else if (action) {
    const [, kind, id, index] = action;
    pageIndex = Number(index);
    // Renewal is for expired links too; revocation only for live ones.
    const file = await s.store.getFile(id!, { includeExpired: kind === 'n' });
    if (!file) {
      toast = texts.fileNotFound();
    } else if (file.userId !== userId && !isAdmin) {
      await s.telegram.answerCallback(cb.queryId, texts.revokeNotYours(), true);
      return;
    } else if (kind === 'r') {
      await s.store.revokeFile(file.id);
      s.logger.info({ userId, fileId: file.id }, 'file revoked by its owner');
      toast = texts.revokedToast();
    } else {
      const renewed = await s.store.renewFile(file.id, linkExpiry(s));
      s.logger.info({ userId, fileId: file.id, newId: renewed?.id }, 'link renewed by its owner');
      toast = renewed ? texts.renewedToast() : texts.fileNotFound();
    }
  } else {
    await s.telegram.answerCallback(cb.queryId, texts.staleButton());
    return;
  }
  await s.telegram.answerCallback(cb.queryId, toast);
  const view = await renderPage(s, userId, pageIndex);
  // An empty keyboard removes the old buttons.
  await s.outbox.edit(cb.chatId, cb.messageId, view?.text ?? texts.noFiles(), view?.buttons.length ? view.buttons : null);
}
