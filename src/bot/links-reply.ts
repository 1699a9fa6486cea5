// The links of one registered file, as text and as buttons.

import type { InlineButton } from '../../actors/session/protocol.ts';
import { fileLinks } from '../links/index.ts';
import type { FileRecord } from '../store/index.ts';
import { isPlayable } from './file-names.ts';
import { texts } from './texts.ts';
import type { BotConfig } from './types.ts';

export interface LinkSet {
  download: string;
  stream: string | null;
  player: string | null;
}

/** Where the player link goes: an external frontend, StreamBot's own /watch page, or nowhere. */
export type PlayerChoice = Pick<BotConfig, 'videoFrontendUrl' | 'playerPage'>;

export function linksOf(file: FileRecord, baseUrl: string, choice: PlayerChoice): LinkSet {
  const links = fileLinks(baseUrl, file.id, urlName(file.fileName));
  const playable = isPlayable(file.fileType as never, file.mimeType);
  const stream = playable ? links.stream : null;
  const player = !stream ? null : choice.videoFrontendUrl ? `${choice.videoFrontendUrl}?stream=${encodeURIComponent(stream)}` : choice.playerPage ? links.watch : null;
  return { download: links.download, stream, player };
}

export function linkButtons(links: LinkSet): InlineButton[] {
  const row: InlineButton[] = [{ text: texts.linkButtons.download, url: links.download }];
  if (links.stream) row.push({ text: texts.linkButtons.stream, url: links.stream });
  if (links.player) row.push({ text: texts.linkButtons.player, url: links.player });
  return row;
}

/** The full answer for one file: text with every link, and the same links as a row of buttons. */
export function fileReply(file: FileRecord, title: string | null, baseUrl: string, choice: PlayerChoice): { text: string; buttons: InlineButton[][] } {
  const links = linksOf(file, baseUrl, choice);
  return {
    text: texts.fileLinks({ name: file.fileName, size: file.fileSize, title, ...links }),
    buttons: [linkButtons(links)],
  };
}

// The name in a link is only for the reader and the saved file's default name (the server goes by the id); a
// shorter one keeps a reply with three links under Telegram's 4096 characters whatever the name.
const MAX_URL_NAME_CHARS = 60;

function urlName(name: string): string {
  const chars = Array.from(name);
  if (chars.length <= MAX_URL_NAME_CHARS) return name;
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 && name.length - dot <= 8 ? name.slice(dot) : '';
  return chars.slice(0, MAX_URL_NAME_CHARS - ext.length).join('') + ext;
}
