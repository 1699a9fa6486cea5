// At start, each ready bot must be able to read LOG_CHANNEL: it must exist and the bot must be one of its admins.
// Otherwise every link would answer 502 later while /healthz says ok; better to refuse to start and say why.
import { ConfigError } from '../config/index.ts';
import type { Supervisor } from '../../actors/supervisor/index.ts';

// Telegram's answers that mean "this bot cannot use that channel" (rather than a passing fault).
const CHANNEL_REFUSED = new Set(['CHANNEL_INVALID', 'CHANNEL_PRIVATE', 'CHAT_ADMIN_REQUIRED', 'PEER_ID_INVALID', 'CHAT_ID_INVALID', 'CHANNEL_PUBLIC_GROUP_NA']);

export async function checkLogChannel(supervisor: Supervisor, logChannel: string): Promise<void> {
  const problems: string[] = [];
  for (const s of supervisor.states()) {
    if (s.state !== 'ready' || s.botId === undefined) continue;
    const bot = s.username ? `@${s.username}` : `bot ${s.botId}`;
    try {
      const role = await supervisor.callBot(s.index, 'channelMembership', logChannel, s.botId);
      if (role !== 'admin' && role !== 'creator') problems.push(`LOG_CHANNEL ${logChannel}: ${bot} is not an admin of it (${role}); add every bot as an admin of the log channel`);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (typeof code !== 'string' || !CHANNEL_REFUSED.has(code)) throw err;
      problems.push(`LOG_CHANNEL ${logChannel}: ${bot} cannot use it (${code}); check the id (like -1001234567890) and add every bot as an admin`);
    }
  }
  if (problems.length) throw new ConfigError(problems.join('\n'));
}
