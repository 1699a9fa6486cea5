// The bot's public types: what the app gives it and what it gets back.

import type { Logger } from 'pino';
import type { BotApi, BotUpdate } from '../../actors/session/protocol.ts';
import type { Store } from '../store/index.ts';
import type { RecentLogs } from './recent-logs.ts';

export interface BotConfig {
  /** "-100<id>" */
  logChannel: string;
  baseUrl: string;
  /** ADMINS */
  admins: number[];
  /** FORCE_SUB_CHANNEL, "-100<id>" */
  forceSubChannel: string | null;
  /** MAX_LINKS_PER_DAY, 0 = unlimited */
  maxLinksPerDay: number;
  /** BANDWIDTH_LIMIT_GB (global, monthly), 0 = off */
  bandwidthLimitBytes: number;
  /** USER_BANDWIDTH_LIMIT_GB (per user, monthly), 0 = off */
  userBandwidthLimitBytes: number;
  /** MAX_FILE_SIZE_MB, 0 = any size Telegram allows */
  maxFileSizeBytes: number;
  /** ALLOWED_MIME_TYPES: empty = all; entries like "video/*" or "application/pdf" */
  allowedMimeTypes: string[];
  /** BLOCKED_MIME_TYPES */
  blockedMimeTypes: string[];
  /** VIDEO_FRONTEND_URL: the external player a stream link opens in; null when unset or "false" */
  videoFrontendUrl: string | null;
  /** LINK_EXPIRY_SECONDS: how long a new link works; 0 or absent = never expires. */
  linkExpirySeconds?: number;
  /** With no external player: link StreamBot's own player page (/watch) instead (VIDEO_FRONTEND_URL unset). */
  playerPage?: boolean;
}

export interface BotStatus {
  activeStreams: number;
  sessions: { index: number; state: string; username?: string; detail?: string }[];
}

export interface BotDeps {
  /** Calls on the primary bot session. */
  telegram: BotApi;
  store: Store;
  config: BotConfig;
  me: { id: string; username: string };
  /** For /stats: streams being served now and each session's state (plain data to print). */
  status: () => BotStatus;
  logs: RecentLogs;
  /** Injectable clock (tests slide the 24 h window with it; pass the same clock to the store). */
  now?: () => number;
  /** Injectable wait, paired with `now` (tests run pacing and FLOOD_WAITs on virtual time). Default: setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  logger: Logger;
}

export interface Bot {
  /** Sets the command menu (bots.setBotCommands) and resolves the force-subscribe invite link. */
  start(): Promise<void>;
  /** Takes an update; never throws; work for one chat runs in order. */
  handle(update: BotUpdate): void;
  /** Resolves once every update taken so far is answered (albums, broadcasts and queued sends included). */
  idle(): Promise<void>;
  /** Stops taking updates and waits (bounded) for work in progress. */
  stop(): Promise<void>;
}

export type MessageUpdate = Extract<BotUpdate, { kind: 'message' }>;
export type CallbackUpdate = Extract<BotUpdate, { kind: 'callback' }>;
