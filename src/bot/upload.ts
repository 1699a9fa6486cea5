// From a file a user sent to its links: the file rules, the monthly quotas and the daily link limit, the copy into
// the log channel, the store record, and the answer. A single file and an album share the steps; an album is
// answered with one message.

import type { InlineButton } from '../../actors/session/protocol.ts';
import type { FileRecord } from '../store/index.ts';
import { errorSummary, type MessageCtx } from './context.ts';
import { MAX_TITLE_CHARS, oneLine, truncate } from './display.ts';
import { fileNameFor } from './file-names.ts';
import { refuseFile, type IncomingFile } from './limits/file-rules.ts';
import { fileReply, linkButtons, linksOf } from './links-reply.ts';
import { MAX_MESSAGE_CHARS } from './outbox.ts';
import { texts } from './texts.ts';
import { linkExpiry } from './link-expiry.ts';
import type { MessageUpdate } from './types.ts';

/** Telegram's limit for a media caption. */
const MAX_CAPTION_CHARS = 1024;
/** After this long without a result the user sees "Working on it…", edited into the answer later. */
export const SLOW_REPLY_MS = 1000;

type ItemResult = { ok: true; record: FileRecord } | { ok: false; name: string; reason: string };

interface Answer {
  text: string;
  buttons?: InlineButton[][];
}

export async function uploadSingle(ctx: MessageCtx): Promise<void> {
  const title = titleOf(ctx.msg.text);
  await answerWithProgress(ctx, storeItem(ctx, ctx.msg, title).then((r) => (
    r.ok ? fileReply(r.record, title, ctx.s.config.baseUrl, ctx.s.config) : { text: r.reason }
  )));
}

export async function uploadAlbum(ctx: MessageCtx, parts: MessageUpdate[]): Promise<void> {
  const title = titleOf(parts.find((p) => p.text.trim() !== '')?.text ?? '');
  const work = (async () => {
    const results: ItemResult[] = [];
    for (const part of parts) results.push(await storeItem(ctx, part, title));
    return albumAnswer(ctx, results, title);
  })();
  await answerWithProgress(ctx, work);
}

async function answerWithProgress(ctx: MessageCtx, work: Promise<Answer>): Promise<void> {
  const settled = work.then(() => 'done' as const, () => 'done' as const);
  const first = await Promise.race([settled, ctx.s.clock.sleep(SLOW_REPLY_MS).then(() => 'slow' as const)]);
  const placeholder = first === 'slow' ? await ctx.reply(texts.working()) : null;
  let answer: Answer;
  try {
    answer = await work;
  } catch (err) {
    ctx.s.logger.error({ err: errorSummary(err), userId: ctx.userId }, 'a file could not be turned into links');
    answer = { text: texts.error() };
  }
  if (placeholder) await ctx.s.outbox.edit(ctx.chatId, placeholder.messageId, answer.text, answer.buttons ?? null);
  else await ctx.reply(answer.text, answer.buttons);
}

async function storeItem(ctx: MessageCtx, part: MessageUpdate, title: string | null): Promise<ItemResult> {
  const { s, userId } = ctx;
  const file = part.file as IncomingFile;
  const name = fileNameFor(file, part.date);
  const refusal = refuseFile(file, s.config);
  if (refusal) return { ok: false, name, reason: refusal };

  const quota = await s.quota.check(userId);
  if (!quota.ok) return { ok: false, name, reason: quota.scope === 'global' ? texts.quotaGlobal(quota.resetsAt) : texts.quotaUser(quota.resetsAt) };

  const slot = await s.dailyLinks.take(userId, ctx.isAdmin);
  if (!slot.ok) return { ok: false, name, reason: texts.dailyLimit(slot.limit, slot.retryAt, s.clock.now()) };

  let copy: Awaited<ReturnType<typeof s.telegram.copyToChannel>>;
  try {
    copy = await s.outbox.call(s.config.logChannel, () => s.telegram.copyToChannel(part.chatId, part.messageId, s.config.logChannel, logCaption(title, userId)));
  } catch (err) {
    await slot.release().catch(() => {});
    s.logger.error({ err: errorSummary(err), userId, messageId: part.messageId }, 'copying a file to the log channel failed');
    return { ok: false, name, reason: texts.copyFailed() };
  }
  try {
    const record = await s.store.registerFile({
      messageId: copy.messageId,
      userId,
      fileName: name,
      fileSize: copy.file?.size ?? file.size,
      fileType: file.kind ?? copy.file?.kind ?? 'document',
      mimeType: file.mimeType || copy.file?.mimeType || 'application/octet-stream',
      isVideo: file.isVideo,
      title,
      expiresAt: linkExpiry(s),
    });
    s.logger.info({ userId, fileId: record.id, size: record.fileSize, kind: record.fileType }, 'file registered');
    return { ok: true, record };
  } catch (err) {
    await slot.release().catch(() => {});
    s.logger.error({ err: errorSummary(err), userId, logMessageId: copy.messageId }, 'registering a file failed');
    return { ok: false, name, reason: texts.error() };
  }
}

/** The caption is the file's title: shown in the reply and kept in the log channel next to the uploader's id. */
function titleOf(caption: string): string | null {
  const title = oneLine(caption, MAX_TITLE_CHARS);
  return title === '' ? null : title;
}

function logCaption(title: string | null, userId: number): string {
  const footer = `\n\n👤 ${userId}`;
  return title ? `${truncate(title, MAX_CAPTION_CHARS - footer.length)}${footer}` : footer.trimStart();
}

function albumAnswer(ctx: MessageCtx, results: ItemResult[], title: string | null): Answer {
  const { baseUrl } = ctx.s.config;
  const ok = results.filter((r) => r.ok).length;
  const buttons: InlineButton[][] = [];
  const full: string[] = [];
  const compact: string[] = [];
  results.forEach((r, i) => {
    const n = i + 1;
    if (!r.ok) {
      full.push(texts.albumRefused(n, r.name, r.reason));
      compact.push(texts.albumRefused(n, r.name, r.reason));
      return;
    }
    const links = linksOf(r.record, baseUrl, ctx.s.config);
    full.push(texts.albumItem(n, { name: r.record.fileName, size: r.record.fileSize, ...links }));
    compact.push(texts.albumItem(n, { name: r.record.fileName, size: r.record.fileSize, download: links.download, stream: null }));
    buttons.push(linkButtons(links).map((b) => ({ ...b, text: `${b.text} ${n}` })));
  });
  const head = [texts.albumHeader(ok, results.length), ...(title ? [texts.albumTitle(title)] : [])].join('\n');
  // Long names make long links; the buttons always carry every link, so the text may drop the stream links.
  let text = `${head}\n\n${full.join('\n\n')}`;
  if (text.length > MAX_MESSAGE_CHARS) text = `${head}\n\n${compact.join('\n\n')}`;
  if (text.length > MAX_MESSAGE_CHARS) text = truncate(text.replace(/<[^>]*>/g, ''), MAX_MESSAGE_CHARS);
  return { text, buttons };
}
