// Telegram's documented rules of the auth key exchange and of temporary keys that the sandbox enforces, each with its
// source. README's rules table has a row per entry; test/sandbox-auth-key.test.ts meets each on the wire.
import type { Rule } from './rules.ts';

export const AUTH_KEY_RULES: readonly Rule[] = [
  { id: 'rsa-inner-data', rule: 'req_DH_params: p_q_inner_data encrypted with RSA_PAD or with the older RSA(SHA1(data) + data + padding), told apart by their hashes; anything else is refused, and so is every later unencrypted query on that connection', error: 'transport error -404', source: 'https://core.telegram.org/mtproto/auth_key#6-server-responds-with' },
  { id: 'inner-data-dc', rule: 'p_q_inner_data_dc / p_q_inner_data_temp_dc: dc must be the DC the client reached (a test DC id, 10000 and up, sent to a production DC: -444)', error: 'transport error -404 / -444', source: 'https://core.telegram.org/mtproto/auth_key#4-encrypted-data-payload-generation' },
  { id: 'temp-key-expiry', rule: 'a key made from p_q_inner_data_temp(_dc) lives expires_in seconds (no longer than its binding\'s expires_at); messages under it afterwards meet an unknown key', error: 'transport error -404', source: 'https://core.telegram.org/api/pfs' },
  { id: 'bind-temp-auth-key', rule: 'auth.bindTempAuthKey: called under a temporary key; encrypted_message is bind_auth_key_inner under the permanent key the MTProto 1.0 way (the request\'s msg_id, seqno 0, msg_len 40, SHA1 msg_key) naming the request\'s nonce, perm key and expires_at and the calling temp key and session; expires_at in the future; a temp key bound to one perm key only', error: '400 TEMP_AUTH_KEY_EMPTY / ENCRYPTED_MESSAGE_INVALID / EXPIRES_AT_INVALID / TEMP_AUTH_KEY_ALREADY_BOUND', source: 'https://core.telegram.org/method/auth.bindTempAuthKey' },
  { id: 'temp-key-binding', rule: 'a bound temporary key acts for its permanent key\'s authorization (a bot logged in on either is logged in on both); binding another temporary key to the permanent key unbinds the first', error: '(no error)', source: 'https://core.telegram.org/api/pfs' },
];
