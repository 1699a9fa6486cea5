// Everything a browser, a player or a monitoring system sees besides the file routes: the security policy every
// route runs through, the REST API, the watch page with its media probe, and /metrics.
import type { Logger } from 'pino';
import { apiRoutes } from '../api/index.ts';
import type { ApiJobReport } from '../api/context.ts';
import { createMediaProbe, type MediaProbe } from '../media-probe/index.ts';
import { createMetrics, type Metrics } from '../metrics/index.ts';
import { playerRoutes } from '../player/index.ts';
import { createSecurityPolicy, ViewerCaps, type SecurityPolicy } from '../security/index.ts';
import type { HttpPolicy, HttpStats, Route } from '../http/index.ts';
import type { FileSource } from '../streaming/types.ts';
import type { Store } from '../store/index.ts';
import type { Supervisor } from '../../actors/supervisor/index.ts';
import type { AppConfig } from '../config/index.ts';

export interface WebSide {
  /** The supervisor and store as the metrics see them (block fetches and store calls timed). */
  supervisor: Supervisor;
  store: Store;
  policy: HttpPolicy;
  /** Concurrent viewers per link and per owner, for the file source; absent when both caps are off. */
  viewers?: ViewerCaps;
  /** Routes once the file source exists. */
  routes(source: FileSource): Route[];
  close(): Promise<void>;
}

export function createWebSide(o: { config: AppConfig; baseUrl: string; store: Store; supervisor: Supervisor; http: () => HttpStats; jobs?: () => ApiJobReport[]; logger: Logger; now?: () => number }): WebSide {
  const { config, baseUrl, logger } = o;
  const { web, bot } = config;
  const metrics: Metrics = createMetrics({ supervisor: o.supervisor, store: o.store, http: o.http, logger: logger.child({ component: 'metrics' }) });
  const security: SecurityPolicy = createSecurityPolicy({
    baseUrl,
    corsAllowedOrigins: web.corsAllowedOrigins,
    trustedProxies: web.trustedProxies ?? [],
    requestsPerMinutePerIp: web.rateLimitPerMinute,
    streamsPerUser: web.maxStreamsPerUser,
    streamsPerLink: web.maxStreamsPerLink,
    store: o.store,
    now: o.now,
    logger,
  });
  const startedAt = Date.now();
  let probe: MediaProbe | undefined;
  const expiry = () => (web.linkExpirySeconds > 0 ? new Date((o.now ?? Date.now)() + web.linkExpirySeconds * 1000) : null);
  return {
    supervisor: metrics.supervisor,
    store: metrics.store,
    policy: metrics.policy(security),
    viewers: web.maxStreamsPerLink > 0 || web.maxStreamsPerUser > 0 ? new ViewerCaps({ perLink: web.maxStreamsPerLink, perUser: web.maxStreamsPerUser, now: o.now }) : undefined,
    routes(source) {
      probe = createMediaProbe({ source, store: metrics.store, logger: logger.child({ component: 'probe' }) });
      const primary = () => o.supervisor.states().find((s) => s.index === 0 && s.state === 'ready');
      return [
        ...apiRoutes({
          store: metrics.store,
          baseUrl,
          apiToken: web.apiToken,
          allowedIps: web.apiAllowedIps,
          bot: () => {
            const s = primary();
            return s?.botId ? { id: s.botId, username: s.username ?? '' } : null;
          },
          sessions: () => o.supervisor.states(),
          activeStreams: () => o.http().activeStreams,
          startedAt,
          jobs: o.jobs,
          renewFile: (id) => metrics.store.renewFile(id, expiry()),
          features: {
            forceSubscribe: bot.forceSubChannel !== null,
            linkExpirySeconds: web.linkExpirySeconds,
            bandwidthLimitBytes: bot.bandwidthLimitBytes,
            userBandwidthLimitBytes: bot.userBandwidthLimitBytes,
            maxLinksPerDay: bot.maxLinksPerDay,
            maxFileSizeBytes: bot.maxFileSizeBytes,
            videoPlayer: bot.videoFrontendUrl !== null || bot.playerPage === true,
          },
          now: o.now,
          logger,
        }),
        ...playerRoutes({ source, store: metrics.store, baseUrl, probe, logger: logger.child({ component: 'player' }) }),
        ...metrics.routes(),
      ];
    },
    async close() {
      await security.flush().catch(() => {});
      security.close();
      await probe?.close();
      metrics.close();
    },
  };
}
