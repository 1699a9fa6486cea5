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
