// The name a file gets: the one Telegram carries, cleaned for display, or one made from its kind and date when it
// has none (voice notes, photos and round videos never carry a name).

import type { MediaKind } from '../../actors/session/protocol.ts';
import { cleanFileName } from './display.ts';
import type { IncomingFile } from './limits/file-rules.ts';

const EXTENSIONS: Record<string, string> = {
  'video/mp4': '.mp4', 'video/webm': '.webm', 'video/quicktime': '.mov', 'video/x-matroska': '.mkv',
  'audio/mpeg': '.mp3', 'audio/ogg': '.ogg', 'audio/mp4': '.m4a', 'audio/x-m4a': '.m4a', 'audio/flac': '.flac', 'audio/wav': '.wav',
  'image/jpeg': '.jpg', 'image/png': '.png', 'image/gif': '.gif', 'image/webp': '.webp',
  'application/pdf': '.pdf', 'application/zip': '.zip', 'text/plain': '.txt',
};

const KIND_DEFAULTS: Record<MediaKind, string> = {
  document: '', video: '.mp4', audio: '.mp3', voice: '.ogg', photo: '.jpg', animation: '.mp4', video_note: '.mp4', sticker: '.webp',
};

/** `date` is the message's Unix time in seconds. */
export function fileNameFor(file: IncomingFile, messageDate: number): string {
  const given = cleanFileName(file.fileName ?? '');
  if (given !== '') return given;
  const kind = file.kind ?? 'document';
  const ext = EXTENSIONS[(file.mimeType ?? '').toLowerCase()] ?? KIND_DEFAULTS[kind];
  if (kind === 'photo') return `photo-${cleanFileName(file.uniqueId || String(messageDate)) || messageDate}${ext}`;
  const stamp = new Date(messageDate * 1000).toISOString().slice(0, 19).replace('T', '_').replace(/:/g, '-');
  const base = kind === 'document' ? 'file' : kind.replace('_', '-');
  return `${base}-${stamp}${ext}`;
}

/** Video and audio can be played from the stream link; anything else is offered for download only. */
export function isPlayable(kind: MediaKind | undefined, mimeType: string): boolean {
  if (kind === 'video' || kind === 'audio' || kind === 'voice' || kind === 'animation' || kind === 'video_note') return true;
  return /^(video|audio)\//i.test(mimeType);
}
