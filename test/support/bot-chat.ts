// A Telegram user talking to StreamBot's bot through the sandbox control API, as a person in a chat would.
import type { Harness } from './streambot.ts';
import type { BotMessageView, FileInput } from '../../src/sandbox/control.ts';

export interface LinkSet {
  download?: string;
  stream?: string;
  player?: string;
}

const URL_RE = /https?:\/\/[^\s"'<>]+/g;

/** The links a reply offers, from its buttons and its text. */
export function linksOf(msg: BotMessageView): LinkSet[] {
  const urls = [...new Set([...msg.buttons.flat().flatMap((b) => (b.url ? [b.url] : [])), ...(msg.text.match(URL_RE) ?? []), ...msg.textUrls])];
  const sets: LinkSet[] = [];
  for (const url of urls) {
    const kind = /\/dl\//.test(url) ? 'download' : /\/stream\//.test(url) && !/[?&]stream=/.test(url) ? 'stream' : /[?&]stream=/.test(url) ? 'player' : undefined;
    if (!kind) continue;
    // A new download link starts the next file's set.
    if (kind === 'download' || sets.length === 0) sets.push({});
    const set = sets.at(-1)!;
    if (set[kind] === undefined) set[kind] = url;
  }
  return sets;
}

export class Chat {
  constructor(readonly h: Harness, readonly userId: string, readonly botId = h.bots[0]!.id) {}

  static open(h: Harness, name: string): Chat {
    return new Chat(h, h.control.createUser({ firstName: name }).id);
  }

  replies(): BotMessageView[] {
    return this.h.control.messagesFromBot(this.userId, this.botId);
  }

  send(text: string): number {
    return this.h.control.userSendsText(this.userId, this.botId, text).messageId;
  }

  sendFile(file: FileInput & { kind?: string }, caption = '') {
    return this.h.control.userSendsFile(this.userId, this.botId, file as FileInput, caption);
  }

  /** Waits for a reply (new or edited) after `since` replies that `accept` takes; generous deadline. */
  async waitFor(accept: (m: BotMessageView) => boolean, what: string, timeoutMs = 30_000): Promise<BotMessageView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.replies().find(accept);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no reply ${what}; the bot sent:\n${this.replies().map((m) => `- ${JSON.stringify(m.text.slice(0, 300))}`).join('\n')}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Sends `text` and waits for the first reply after it. */
  async ask(text: string, accept: (m: BotMessageView) => boolean = () => true, what = `to ${JSON.stringify(text.slice(0, 40))}`): Promise<BotMessageView> {
    const before = new Set(this.replies().map((m) => m.id));
    this.send(text);
    return this.waitFor((m) => !before.has(m.id) && accept(m), what);
  }

  /** The reply that carries links for `count` files (a "working on it" message edited into the result counts). */
  async linksReply(before: Set<number>, count = 1): Promise<{ msg: BotMessageView; links: LinkSet[] }> {
    const msg = await this.waitFor((m) => !before.has(m.id) && linksOf(m).length >= count, `with links for ${count} file(s)`);
    return { msg, links: linksOf(msg) };
  }

  seen(): Set<number> {
    return new Set(this.replies().map((m) => m.id));
  }
}
