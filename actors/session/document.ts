// Reads what StreamBot needs from a gramjs Document: metadata for HTTP, and the location for upload.getFile.
import type { Api } from 'telegram';
import type { FileMeta } from './protocol.ts';

export interface CachedLocation {
  id: Api.long;
  accessHash: Api.long;
  fileReference: Buffer;
  dcId: number;
}

export function fileMetaOf(doc: Api.Document): Omit<FileMeta, 'chatId' | 'messageId'> {
  let fileName: string | undefined;
  let video: { duration: number; w: number; h: number } | undefined;
  for (const a of doc.attributes) {
    if (a.className === 'DocumentAttributeFilename') fileName = a.fileName;
    else if (a.className === 'DocumentAttributeVideo') video = { duration: a.duration, w: a.w, h: a.h };
  }
  const mimeType = doc.mimeType || 'application/octet-stream';
  return {
    size: Number(doc.size),
    mimeType,
    fileName: fileName ?? `file-${doc.id.toString()}`,
    uniqueId: doc.id.toString(),
    isVideo: video !== undefined || mimeType.startsWith('video/'),
    ...(video ? { duration: video.duration, width: video.w, height: video.h } : {}),
  };
}

export function locationOf(doc: Api.Document): CachedLocation {
  return { id: doc.id, accessHash: doc.accessHash, fileReference: Buffer.from(doc.fileReference), dcId: doc.dcId };
}
