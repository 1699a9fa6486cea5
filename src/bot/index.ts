// The chat side of StreamBot: what users and admins see in Telegram.
export { createBot } from './bot.ts';
export { createBandwidthQuota, nextMonthStart, type BandwidthQuota, type BandwidthQuotaOptions, type QuotaVerdict } from './bandwidth-quota.ts';
export { RecentLogs, scrubSecrets, type LogEntry, type LogQuery } from './recent-logs.ts';
export type { Bot, BotConfig, BotDeps, BotStatus } from './types.ts';
