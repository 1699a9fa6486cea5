// Turns world state into the TL objects a given viewer receives (file references and flags depend on the viewer).
import { Api, toBig, type TLObject } from './tl.ts';
import type { Account, Channel, InlineButton, PeerRef, StoredDocument, StoredMessage, World } from './world.ts';
import type { OtherMedia, StoredPhoto } from './world-media.ts';

const api = Api as any;

export function userTl(a: Account, viewerId: bigint): TLObject {
  // A deleted account keeps its id and access hash, and loses its name.
  if (a.deleted) return new api.User({ id: toBig(a.id), accessHash: toBig(a.accessHash), deleted: true });
  return new api.User({
    id: toBig(a.id),
    accessHash: toBig(a.accessHash),
    self: a.id === viewerId,
    bot: a.bot,
    firstName: a.firstName,
    lastName: a.lastName,
    username: a.username,
    botInfoVersion: a.bot ? 1 : undefined,
  });
}

export function channelTl(c: Channel, viewerId: bigint): TLObject {
  const member = c.members.get(viewerId);
  return new api.Channel({
    id: toBig(c.id),
    accessHash: toBig(c.accessHash),
    title: c.title,
    username: c.username,
    photo: new api.ChatPhotoEmpty(),
    date: c.date,
    broadcast: c.broadcast,
    creator: member?.role === 'creator',
    left: !member,
    adminRights: member && member.role !== 'member' ? adminRights() : undefined,
  });
}

export function adminRights(): TLObject {
  return new api.ChatAdminRights({ changeInfo: true, postMessages: true, editMessages: true, deleteMessages: true, inviteUsers: true, pinMessages: true });
}

export function peerTl(p: PeerRef): TLObject {
  return p.kind === 'user' ? new api.PeerUser({ userId: toBig(p.id) }) : new api.PeerChannel({ channelId: toBig(p.id) });
}

/** Telegram tells document kinds apart by their attributes (core.telegram.org/api/files#sending-files). */
function documentAttributes(doc: StoredDocument): TLObject[] {
  const attributes: TLObject[] = [];
  const v = doc.video;
  if (doc.kind === 'sticker') {
    attributes.push(new api.DocumentAttributeImageSize({ w: 512, h: 512 }), new api.DocumentAttributeSticker({ alt: '🙂', stickerset: new api.InputStickerSetEmpty() }));
  }
  if (v) attributes.push(new api.DocumentAttributeVideo({ duration: v.duration, w: v.width, h: v.height, supportsStreaming: v.supportsStreaming || undefined, roundMessage: doc.kind === 'video_note' || undefined }));
  if (doc.kind === 'animation') attributes.push(new api.DocumentAttributeAnimated());
  if (doc.audio) attributes.push(new api.DocumentAttributeAudio({ voice: doc.kind === 'voice' || undefined, duration: Math.round(doc.audio.duration), title: doc.audio.title, performer: doc.audio.performer }));
  // Voice messages carry no file name on Telegram.
  if (doc.kind !== 'voice') attributes.push(new api.DocumentAttributeFilename({ fileName: doc.fileName }));
  return attributes;
}

export function documentTl(world: World, doc: StoredDocument, viewerId: bigint): TLObject {
  return new api.Document({
    id: toBig(doc.id),
    accessHash: toBig(doc.accessHash),
    fileReference: world.fileReferenceFor(doc.id, viewerId),
    date: doc.date,
    mimeType: doc.mimeType,
    size: toBig(doc.size),
    dcId: doc.dcId,
    attributes: documentAttributes(doc),
  });
}

export function photoTl(world: World, photo: StoredPhoto, viewerId: bigint): TLObject {
  return new api.Photo({
    id: toBig(photo.id),
    accessHash: toBig(photo.accessHash),
    fileReference: world.fileReferenceFor(photo.id, viewerId),
    date: photo.date,
    sizes: photo.sizes.map((s) => new api.PhotoSize({ type: s.type, w: s.w, h: s.h, size: s.size })),
    dcId: photo.dcId,
  });
}

function otherMediaTl(o: OtherMedia): TLObject {
  switch (o.kind) {
    case 'contact': return new api.MessageMediaContact({ phoneNumber: o.phoneNumber, firstName: o.firstName, lastName: o.lastName, vcard: '', userId: toBig(0) });
    case 'location': return new api.MessageMediaGeo({ geo: new api.GeoPoint({ long: o.long, lat: o.lat, accessHash: toBig(0) }) });
    case 'dice': return new api.MessageMediaDice({ value: o.value, emoticon: o.emoticon });
    case 'poll': return new api.MessageMediaPoll({
      poll: new api.Poll({
        id: toBig(o.id),
        question: new api.TextWithEntities({ text: o.question, entities: [] }),
        answers: o.answers.map((text, i) => new api.PollAnswer({ text: new api.TextWithEntities({ text, entities: [] }), option: Buffer.from([i]) })),
      }),
      results: new api.PollResults({}),
    });
  }
}

export function mediaTl(world: World, m: StoredMessage, viewerId: bigint): TLObject | undefined {
  const doc = m.documentId !== undefined ? world.documents.get(m.documentId) : undefined;
  if (doc) {
    return new api.MessageMediaDocument({
      document: documentTl(world, doc, viewerId),
      video: doc.kind === 'video' || undefined,
      round: doc.kind === 'video_note' || undefined,
      voice: doc.kind === 'voice' || undefined,
    });
  }
  const photo = m.photoId !== undefined ? world.photos.get(m.photoId) : undefined;
  if (photo) return new api.MessageMediaPhoto({ photo: photoTl(world, photo, viewerId) });
  return m.other ? otherMediaTl(m.other) : undefined;
}

export function replyMarkupTl(buttons: InlineButton[][] | undefined): TLObject | undefined {
  if (!buttons) return undefined;
  return new api.ReplyInlineMarkup({
    rows: buttons.map((row) => new api.KeyboardButtonRow({
      buttons: row.map((b) => b.url !== undefined
        ? new api.KeyboardButtonUrl({ text: b.text, url: b.url })
        : new api.KeyboardButtonCallback({ text: b.text, data: b.data ?? Buffer.alloc(0) })),
    })),
  });
}

/** Reads an inline keyboard the client sent (reply_markup) back into plain buttons. */
export function buttonsFromMarkup(markup: TLObject | undefined): InlineButton[][] | undefined {
  if (!markup || markup.className !== 'ReplyInlineMarkup') return undefined;
  return markup.rows.map((row: TLObject) => row.buttons.map((b: TLObject): InlineButton => {
    if (b.className === 'KeyboardButtonUrl') return { text: b.text, url: b.url };
    if (b.className === 'KeyboardButtonCallback') return { text: b.text, data: Buffer.from(b.data ?? []) };
    return { text: b.text };
  }));
}

export function messageTl(world: World, m: StoredMessage, viewerId: bigint): TLObject {
  return new api.Message({
    id: m.id,
    out: m.out,
    post: m.post,
    fromId: m.fromId !== undefined && !m.post ? new api.PeerUser({ userId: toBig(m.fromId) }) : undefined,
    peerId: peerTl(m.peer),
    fwdFrom: m.fwdFrom ? new api.MessageFwdHeader({ fromId: m.fwdFrom.fromId ? peerTl(m.fwdFrom.fromId) : undefined, date: m.fwdFrom.date, channelPost: m.fwdFrom.channelPost }) : undefined,
    replyTo: m.replyToId !== undefined ? new api.MessageReplyHeader({ replyToMsgId: m.replyToId }) : undefined,
    date: m.date,
    editDate: m.editDate,
    message: m.text,
    media: mediaTl(world, m, viewerId),
    groupedId: m.groupedId !== undefined ? toBig(m.groupedId) : undefined,
    replyMarkup: replyMarkupTl(m.buttons),
  });
}

/** Users and chats a message refers to, so the client can cache their access hashes. */
export function entitiesFor(world: World, messages: StoredMessage[], viewerId: bigint): { users: TLObject[]; chats: TLObject[] } {
  const userIds = new Set<bigint>([viewerId]);
  const channelIds = new Set<bigint>();
  for (const m of messages) {
    for (const p of [m.peer, m.fwdFrom?.fromId]) {
      if (!p) continue;
      if (p.kind === 'user') userIds.add(p.id);
      else channelIds.add(p.id);
    }
    if (m.fromId !== undefined) userIds.add(m.fromId);
  }
  return {
    users: [...userIds].flatMap((id) => (world.accounts.has(id) ? [userTl(world.accounts.get(id)!, viewerId)] : [])),
    chats: [...channelIds].flatMap((id) => (world.channels.has(id) ? [channelTl(world.channels.get(id)!, viewerId)] : [])),
  };
}
