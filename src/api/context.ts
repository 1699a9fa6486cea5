// What the API reads from the rest of StreamBot, passed in by the app.
import type { SessionSnapshot } from '../../actors/supervisor/snapshot.ts';
import type { HttpLogger } from '../http/logger.ts';
import type { FileRecord, Store } from '../store/index.ts';
import type { CidrList } from '../security/index.ts';

/** Settings shown by GET /api/info; absent ones read as off. */
export interface ApiFeatures {
  forceSubscribe?: boolean;
  /** 0 or absent: links never expire. */
  linkExpirySeconds?: number;
  /** BANDWIDTH_LIMIT_GB in bytes; 0 or absent: no monthly limit. */
  bandwidthLimitBytes?: number;
  userBandwidthLimitBytes?: number;
  maxLinksPerDay?: number;
  maxFileSizeBytes?: number;
  /** A player page link is offered for videos. */
  videoPlayer?: boolean;
}

/** One periodic job as the app reports it. */
export interface ApiJobReport {
  name: string;
  everyMs: number;
  running: boolean;
  /** Completed runs, failed ones included. */
  runs: number;
  failures: number;
  /** ISO time the last completed run started; null before the first one. */
  lastRunAt: string | null;
  lastDurationMs: number | null;
  /** What the last successful run returned; kept when a later run fails. */
  lastResult: unknown;
  /** Why the last run failed; null when it succeeded. */
  lastError: { message: string; code?: string } | null;
  /** ISO time of the next run; null once stopped. */
  nextRunAt: string | null;
}

export interface ApiDeps {
  store: Store;
  /** The public origin links are built on, as for the bot's links. */
  baseUrl: string;
  /** API_TOKEN; null: the protected endpoints answer 503 SB_API_TOKEN_NOT_SET. */
  apiToken: string | null;
  /** API_ALLOWED_IPS parsed with parseCidrList (src/security); null when unset: any address (the token still
   *  applies). An empty list lets no address in. */
  allowedIps: CidrList | null;
  bot: () => { id: string; username: string } | null;
  sessions: () => SessionSnapshot[];
  activeStreams: () => number;
  /** Epoch ms when the process started (uptime). */
  startedAt: number;
  /** Renews an expired or revoked link: a new public id for the same stored file (null when unknown). */
  renewFile?: (id: string) => Promise<FileRecord | null>;
  features?: ApiFeatures;
  /** Periodic housekeeping jobs (sweeps) and how their last runs went, for /api/stats. */
  jobs?: () => ApiJobReport[];
  now?: () => number;
  logger: HttpLogger;
}

export type ApiContext = Omit<Required<ApiDeps>, 'renewFile'> & Pick<ApiDeps, 'renewFile'>;

export function apiContext(deps: ApiDeps): ApiContext {
  return { ...deps, features: deps.features ?? {}, jobs: deps.jobs ?? (() => []), now: deps.now ?? Date.now, logger: deps.logger.child({ component: 'api' }) };
}
