// Reads what StreamBot needs from a gramjs Document or Photo: metadata for HTTP and the bot, and the location for
// upload.getFile. A photo is served as its largest size.
import type { Api } from 'telegram';
import type { FileMeta, MediaKind } from './protocol.ts';

export interface CachedLocation {
  id: Api.long;
  accessHash: Api.long;
  fileReference: Buffer;
  dcId: number;
  /** Set for photos: the size served (inputPhotoFileLocation's thumb_size). */
  photoSize?: string;
}

export type FileFields = Omit<FileMeta, 'chatId' | 'messageId'>;

const EXTENSION: Record<string, string> = { 'audio/ogg': 'ogg', 'video/mp4': 'mp4', 'audio/mpeg': 'mp3', 'image/webp': 'webp', 'image/jpeg': 'jpg' };

/** The kind a Telegram client shows, from the document's attributes (the first one that decides wins). */
function kindOf(attributes: Api.TypeDocumentAttribute[], mimeType: string): MediaKind {
  let kind: MediaKind = 'document';
  for (const a of attributes) {
    if (a.className === 'DocumentAttributeSticker') return 'sticker';
    if (a.className === 'DocumentAttributeAnimated') return 'animation';
    if (a.className === 'DocumentAttributeAudio') kind = a.voice ? 'voice' : 'audio';
    else if (a.className === 'DocumentAttributeVideo' && kind === 'document') kind = a.roundMessage ? 'video_note' : 'video';
  }
  if (kind === 'document' && mimeType === 'video/mp4' && attributes.some((a) => a.className === 'DocumentAttributeVideo')) kind = 'video';
  return kind;
}

export function fileMetaOf(doc: Api.Document): FileFields {
  let fileName: string | undefined;
  let video: { duration: number; w: number; h: number } | undefined;
  let audioDuration: number | undefined;
  for (const a of doc.attributes) {
    if (a.className === 'DocumentAttributeFilename') fileName = a.fileName;
    else if (a.className === 'DocumentAttributeVideo') video = { duration: a.duration, w: a.w, h: a.h };
    else if (a.className === 'DocumentAttributeAudio') audioDuration = a.duration;
  }
  const mimeType = doc.mimeType || 'application/octet-stream';
  const kind = kindOf(doc.attributes, mimeType);
  // Voice notes and round videos carry no name on Telegram.
  const fallbackName = `${kind === 'document' ? 'file' : kind}-${doc.id.toString()}.${EXTENSION[mimeType] ?? 'bin'}`;
  return {
    size: Number(doc.size),
    mimeType,
    fileName: fileName || fallbackName,
    uniqueId: doc.id.toString(),
    isVideo: video !== undefined || mimeType.startsWith('video/'),
    kind,
    ...(video ? { duration: video.duration, width: video.w, height: video.h } : audioDuration !== undefined ? { duration: audioDuration } : {}),
  };
}

export function locationOf(doc: Api.Document): CachedLocation {
  return { id: doc.id, accessHash: doc.accessHash, fileReference: Buffer.from(doc.fileReference), dcId: doc.dcId };
}

/** The largest downloadable size of a photo (progressive sizes count by their last, largest step). */
function largestSize(photo: Api.Photo): { type: string; size: number; w: number; h: number } | undefined {
  let best: { type: string; size: number; w: number; h: number } | undefined;
  for (const s of photo.sizes) {
    let size: number | undefined;
    if (s.className === 'PhotoSize') size = s.size;
    else if (s.className === 'PhotoSizeProgressive') size = Math.max(...s.sizes);
    if (size === undefined) continue;
    const w = (s as { w: number }).w;
    const h = (s as { h: number }).h;
    if (!best || w * h > best.w * best.h || (w * h === best.w * best.h && size > best.size)) best = { type: s.type, size, w, h };
  }
  return best;
}

export function photoMetaOf(photo: Api.Photo): { meta: FileFields; location: CachedLocation } | undefined {
  const largest = largestSize(photo);
  if (!largest) return undefined;
  return {
    meta: {
      size: largest.size,
      mimeType: 'image/jpeg',
      fileName: `photo-${photo.id.toString()}.jpg`,
      uniqueId: `${photo.id.toString()}-${largest.type}`,
      isVideo: false,
      kind: 'photo',
      width: largest.w,
      height: largest.h,
    },
    location: { id: photo.id, accessHash: photo.accessHash, fileReference: Buffer.from(photo.fileReference), dcId: photo.dcId, photoSize: largest.type },
  };
}

/** The file a message carries, if StreamBot can serve it. */
export function mediaFileOf(media: Api.TypeMessageMedia | undefined): { meta: FileFields; location: CachedLocation } | undefined {
  if (media?.className === 'MessageMediaDocument' && media.document?.className === 'Document') {
    return { meta: fileMetaOf(media.document), location: locationOf(media.document) };
  }
  if (media?.className === 'MessageMediaPhoto' && media.photo?.className === 'Photo') return photoMetaOf(media.photo);
  return undefined;
}
