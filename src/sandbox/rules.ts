// Telegram's documented rules the sandbox enforces, each with its source. README's rules table mirrors this list,
// and test/sandbox-rules.test.ts has one test per entry.

export interface Rule {
  id: string;
  rule: string;
  error: string;
  source: string;
}

export const RULES: readonly Rule[] = [
  { id: 'offset-4k', rule: 'upload.getFile without precise: offset divisible by 4096', error: '400 OFFSET_INVALID', source: 'https://core.telegram.org/api/files#downloading-files' },
  { id: 'limit-4k', rule: 'upload.getFile without precise: limit divisible by 4096 and 1048576 divisible by limit', error: '400 LIMIT_INVALID', source: 'https://core.telegram.org/api/files#downloading-files' },
  { id: 'precise-1k', rule: 'upload.getFile with precise: offset and limit divisible by 1024, limit ≤ 1048576', error: '400 OFFSET_INVALID / LIMIT_INVALID', source: 'https://core.telegram.org/api/files#downloading-files' },
  { id: 'one-mib-window', rule: 'upload.getFile: the part must not cross a 1 MiB boundary (offset / 2^20 == (offset + limit - 1) / 2^20)', error: '400 LIMIT_INVALID', source: 'https://core.telegram.org/api/files#downloading-files' },
  { id: 'limit-max', rule: 'upload.getFile: limit at most 1048576 bytes', error: '400 LIMIT_INVALID', source: 'https://core.telegram.org/api/files#downloading-files' },
  { id: 'tail', rule: 'upload.getFile past the end: the short tail, then empty bytes', error: '(no error)', source: 'https://core.telegram.org/api/files#downloading-files' },
  { id: 'file-migrate', rule: 'a file stored on another DC', error: '303 FILE_MIGRATE_X', source: 'https://core.telegram.org/api/errors#303-see-other' },
  { id: 'file-reference-expired', rule: 'a file reference past its lifetime (refetch the message that holds the file)', error: '400 FILE_REFERENCE_EXPIRED', source: 'https://core.telegram.org/api/file_reference' },
  { id: 'file-reference-per-account', rule: 'a file reference obtained by another account', error: '400 FILE_REFERENCE_INVALID', source: 'https://core.telegram.org/api/file_reference' },
  { id: 'flood-wait', rule: 'too many requests from one session (auth key) in a window', error: '420 FLOOD_WAIT_X', source: 'https://core.telegram.org/api/errors#420-flood' },
  { id: 'auth-key-unregistered', rule: 'a call needing authorization before login, or after the bot\'s authorization was revoked (updates.getState included)', error: '401 AUTH_KEY_UNREGISTERED', source: 'https://core.telegram.org/api/errors#401-unauthorized' },
  { id: 'unknown-auth-key', rule: 'an encrypted message under an auth key the DC does not know', error: 'transport error -404', source: 'https://core.telegram.org/mtproto/mtproto-transports#transport-errors' },
  { id: 'bad-server-salt', rule: 'an encrypted message with a wrong server salt is refused and the right salt given', error: 'bad_server_salt (48)', source: 'https://core.telegram.org/mtproto/service_messages_about_messages#notice-of-ignored-error-message' },
  { id: 'bot-token', rule: 'auth.importBotAuthorization with an unknown token', error: '400 ACCESS_TOKEN_INVALID', source: 'https://core.telegram.org/method/auth.importBotAuthorization' },
  { id: 'user-migrate', rule: 'logging in on a DC that is not the account\'s', error: '303 USER_MIGRATE_X', source: 'https://core.telegram.org/api/datacenter' },
  { id: 'export-auth', rule: 'auth.importAuthorization with bytes not exported for this DC', error: '400 AUTH_BYTES_INVALID', source: 'https://core.telegram.org/method/auth.importAuthorization' },
  { id: 'bot-channel-private', rule: 'a bot reading a channel it is not a member of', error: '400 CHANNEL_PRIVATE', source: 'https://core.telegram.org/method/channels.getMessages' },
  { id: 'bot-admin-required', rule: 'a bot that is not an admin asking for a channel participant', error: '400 CHAT_ADMIN_REQUIRED', source: 'https://core.telegram.org/method/channels.getParticipant' },
  { id: 'not-participant', rule: 'channels.getParticipant for a user who is not a member', error: '400 USER_NOT_PARTICIPANT', source: 'https://core.telegram.org/method/channels.getParticipant' },
  { id: 'bot-write-forbidden', rule: 'a bot posting in a channel where it is not an admin', error: '403 CHAT_WRITE_FORBIDDEN', source: 'https://core.telegram.org/method/messages.sendMessage' },
  { id: 'bot-initiate', rule: 'a bot writing first to a user who never started it', error: '400 PEER_ID_INVALID', source: 'https://core.telegram.org/bots#how-are-bots-different-from-users' },
  { id: 'callback-answer', rule: 'messages.setBotCallbackAnswer for a query that is not the bot\'s', error: '400 QUERY_ID_INVALID', source: 'https://core.telegram.org/method/messages.setBotCallbackAnswer' },
];

/** Rules of what a file-to-link bot meets: media, unreachable users, send limits, missed updates. Tests: test/sandbox-bot-*.test.ts. */
export const BOT_RULES: readonly Rule[] = [
  { id: 'photo-sizes', rule: 'upload.getFile of inputPhotoFileLocation: thumb_size must name one of the photo\'s sizes (each size its own bytes; part, DC and file reference rules as for documents)', error: '400 LOCATION_INVALID', source: 'https://core.telegram.org/api/files#downloading-files' },
  { id: 'media-resend', rule: 'messages.sendMedia with inputMediaDocument or inputMediaPhoto: the file reference must be the caller\'s own and current; the caption at most 1024 characters', error: '400 FILE_REFERENCE_EXPIRED / MEDIA_CAPTION_TOO_LONG', source: 'https://core.telegram.org/method/messages.sendMedia' },
  { id: 'user-blocked', rule: 'a bot writing to a user who blocked it (a user who writes to the bot again has unblocked it)', error: '403 USER_IS_BLOCKED', source: 'https://core.telegram.org/method/messages.sendMessage' },
  { id: 'user-deactivated', rule: 'a bot writing to a deleted account (users.getUsers shows it with deleted set)', error: '400 INPUT_USER_DEACTIVATED', source: 'https://core.telegram.org/method/messages.sendMessage' },
  { id: 'bot-send-per-chat', rule: 'a bot\'s sends (sendMessage, sendMedia, forwardMessages, editMessage) into one chat beyond about one per second (burst 5)', error: '420 FLOOD_WAIT_X', source: 'https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this' },
  { id: 'bot-send-overall', rule: 'a bot\'s sends across all chats beyond about 30 per second', error: '420 FLOOD_WAIT_X', source: 'https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this' },
  { id: 'difference', rule: 'updates.getDifference from a saved pts: the messages (and edits) after it with their users and the new state; more than 100 come as differenceSlice; none as differenceEmpty', error: '(no error)', source: 'https://core.telegram.org/api/updates#fetching-the-difference' },
  { id: 'difference-too-long', rule: 'updates.getDifference from a pts older than the kept history (10000 per box) or further behind than pts_total_limit', error: 'updates.differenceTooLong', source: 'https://core.telegram.org/method/updates.getDifference' },
  { id: 'updates-home-dc', rule: 'updates are pushed to the account\'s connections on its home DC that made a request other than a file query and not wrapped in invokeWithoutUpdates; nothing missed is pushed on connect', error: '(no error)', source: 'https://core.telegram.org/method/invokeWithoutUpdates' },
];

export const ONE_MIB = 1 << 20;

/** Checks an upload.getFile part against the documented offset/limit rules; returns the error message or null. */
export function checkGetFilePart(offset: number, limit: number, precise: boolean): string | null {
  if (!Number.isSafeInteger(offset) || offset < 0 || offset % (precise ? 1024 : 4096) !== 0) return 'OFFSET_INVALID';
  if (!Number.isSafeInteger(limit) || limit <= 0 || limit > ONE_MIB) return 'LIMIT_INVALID';
  if (precise) {
    if (offset % 1024 !== 0) return 'OFFSET_INVALID';
    if (limit % 1024 !== 0) return 'LIMIT_INVALID';
  } else {
    if (offset % 4096 !== 0) return 'OFFSET_INVALID';
    if (limit % 4096 !== 0 || ONE_MIB % limit !== 0) return 'LIMIT_INVALID';
  }
  if (Math.floor(offset / ONE_MIB) !== Math.floor((offset + limit - 1) / ONE_MIB)) return 'LIMIT_INVALID';
  return null;
}
