// upload.getFile under Telegram's rules (see rules.ts), with the sandbox's flood, failure and bandwidth knobs.
import { badRequest, seeOther, RpcError } from '../errors.ts';
import { readFileRange } from '../file-bytes.ts';
import { checkGetFilePart } from '../rules.ts';
import { bytesHeader, fromBig, ID, int32, uint32, type TLObject } from '../tl.ts';
import type { FileSourceSpec } from '../file-bytes.ts';
import type { CallContext, Handler } from './context.ts';

/** The stored bytes an input file location names: a document, or one size of a photo. */
function resolveLocation(ctx: CallContext, loc: TLObject): { id: bigint; dcId: number; source: FileSourceSpec; size: number } {
  if (loc.className === 'InputDocumentFileLocation') {
    const doc = ctx.world.documents.get(fromBig(loc.id));
    if (!doc || doc.accessHash !== fromBig(loc.accessHash)) throw badRequest('FILE_ID_INVALID');
    return doc;
  }
  if (loc.className === 'InputPhotoFileLocation') {
    const photo = ctx.world.photos.get(fromBig(loc.id));
    if (!photo || photo.accessHash !== fromBig(loc.accessHash)) throw badRequest('FILE_ID_INVALID');
    const size = photo.sizes.find((s) => s.type === loc.thumbSize);
    if (!size) throw badRequest('LOCATION_INVALID');
    return { id: photo.id, dcId: photo.dcId, source: { kind: 'generated', seed: size.seed, size: size.size }, size: size.size };
  }
  throw badRequest('LOCATION_INVALID');
}

export const uploadMethods: Record<string, Handler> = {
  'upload.GetFile': async (ctx, req) => {
    const me = ctx.me();
    ctx.sandbox.checkFlood(ctx.key, me.id, 'upload.GetFile');
    ctx.sandbox.takeInjectedFailure('upload.GetFile', me.id);
    const offset = Number(fromBig(req.offset));
    const limit = Number(req.limit);
    const ruleError = checkGetFilePart(offset, limit, Boolean(req.precise));
    if (ruleError) throw badRequest(ruleError);
    const loc = req.location;
    const doc = resolveLocation(ctx, loc);
    if (doc.dcId !== ctx.dc.id) throw seeOther(`FILE_MIGRATE_${doc.dcId}`);
    const ref = ctx.world.checkFileReference(doc.id, me.id, Buffer.from(loc.fileReference ?? []));
    if (ref === 'expired') throw badRequest('FILE_REFERENCE_EXPIRED');
    if (ref === 'invalid') throw badRequest('FILE_REFERENCE_INVALID');

    const bytes = readFileRange(doc.source, doc.size, offset, limit);
    const delay = ctx.sandbox.paceBytes(ctx.key, me.id, bytes.length);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    if (ctx.conn.closed) throw new RpcError(500, 'CONNECTION_CLOSED');
    ctx.sandbox.counters.bytesServed += bytes.length;
    ctx.sandbox.counters.getFileParts++;
    // upload.file#96a18d5 type:storage.FileType mtime:int bytes:bytes, written by hand: this is the hot path.
    const { head, pad } = bytesHeader(bytes.length);
    return [Buffer.concat([uint32(ID.uploadFile), uint32(ID.storageFilePartial), int32(0), head]), bytes, pad];
  },
};
