// /start (with an optional file_<id> payload from a deep link), /help and /about.

import type { MessageCtx } from '../context.ts';
import { humanBytes } from '../display.ts';
import { fileReply } from '../links-reply.ts';
import { texts } from '../texts.ts';
import type { Command } from './command.ts';

export const startCommand: Command = {
  name: 'start',
  open: true,
  async run(ctx, args) {
    const fileId = /^file_([A-Za-z0-9_-]{1,64})$/.exec(args)?.[1];
    if (fileId) {
      if (!(await memberOrPrompt(ctx))) return;
      await resendFile(ctx, fileId);
      return;
    }
    ctx.say(texts.start(ctx.msg.fromFirstName, ctx.s.me.username));
    await memberOrPrompt(ctx);
  },
};

export const helpCommand: Command = {
  name: 'help',
  open: true,
  async run(ctx) {
    const { maxFileSizeBytes, maxLinksPerDay } = ctx.s.config;
    ctx.say(texts.help({ maxFileSize: maxFileSizeBytes > 0 ? humanBytes(maxFileSizeBytes) : null, linksPerDay: maxLinksPerDay }));
  },
};

export const aboutCommand: Command = {
  name: 'about',
  open: true,
  async run(ctx) {
    ctx.say(texts.about(ctx.s.me.username));
  },
};

/** True when the user may go on; otherwise the join prompt was sent. */
export async function memberOrPrompt(ctx: MessageCtx): Promise<boolean> {
  const { forceSub } = ctx.s;
  if (!forceSub || ctx.isAdmin || (await forceSub.isMember(ctx.userId))) return true;
  const prompt = await forceSub.prompt();
  await ctx.reply(prompt.text, prompt.buttons);
  return false;
}

async function resendFile(ctx: MessageCtx, fileId: string): Promise<void> {
  const file = await ctx.s.store.getFile(fileId);
  if (!file) return ctx.say(texts.fileNotFound());
  if (file.userId !== ctx.userId && !ctx.isAdmin) return ctx.say(texts.fileNotYours());
  if (file.revoked) return ctx.say(texts.fileRevoked());
  const answer = fileReply(file, file.title, ctx.s.config.baseUrl, ctx.s.config);
  await ctx.reply(answer.text, answer.buttons);
}
