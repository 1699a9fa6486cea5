// Which files the bot accepts: size (MAX_FILE_SIZE_MB, and never an empty file) and type (ALLOWED_MIME_TYPES,
// BLOCKED_MIME_TYPES; entries are exact types or "type/*"). A refusal names the rule that applied.

import type { BotUpdate } from '../../../actors/session/protocol.ts';
import { texts } from '../texts.ts';

export type IncomingFile = NonNullable<Extract<BotUpdate, { kind: 'message' }>['file']>;

export interface FileRules {
  maxFileSizeBytes: number;
  allowedMimeTypes: string[];
  blockedMimeTypes: string[];
}

export function mimeMatches(mime: string, rule: string): boolean {
  const m = mime.trim().toLowerCase();
  const r = rule.trim().toLowerCase();
  if (r === '*' || r === '*/*') return true;
  if (r.endsWith('/*')) return m.startsWith(r.slice(0, -1));
  return m === r;
}

/** null when the file is accepted, else the reason to show the user (HTML). */
export function refuseFile(file: IncomingFile, rules: FileRules): string | null {
  if (file.kind === 'sticker') return texts.stickerFile();
  if (!(file.size > 0)) return texts.emptyFile();
  if (rules.maxFileSizeBytes > 0 && file.size > rules.maxFileSizeBytes) return texts.tooLarge(file.size, rules.maxFileSizeBytes);
  const mime = file.mimeType || 'application/octet-stream';
  const blocked = rules.blockedMimeTypes.find((rule) => mimeMatches(mime, rule));
  if (blocked) return texts.mimeBlocked(mime, blocked);
  if (rules.allowedMimeTypes.length > 0 && !rules.allowedMimeTypes.some((rule) => mimeMatches(mime, rule))) {
    return texts.mimeNotAllowed(mime, rules.allowedMimeTypes);
  }
  return null;
}
