// HTTP figures: file streams in progress and bytes sent (read from the server's stats at each scrape), and responses
// by route kind and status. File responses are counted from the `streambot:http:response` diagnostics channel; every
// other answer (API, pages, probes, /metrics, and refusals before a route runs) is counted where the policy adds its
// headers, which the server does exactly once per plain response with the status it sends.
import { Counter, Gauge, type Registry } from 'prom-client';
import { subscribeResponses, type ResponseOutcome } from '../http/index.ts';
import type { HttpPolicy, HttpStats } from '../http/index.ts';
import type { FileSource } from '../streaming/types.ts';
import type { MetricsLogger } from './logger.ts';

export interface HttpMetrics {
  policy(inner?: HttpPolicy): HttpPolicy;
  close(): void;
}

/**
 * The status a file response sent. Responses answered before a body (404, 304, 416, a refusal page) leave
 * outcome.status at 0; what the outcome still tells is used, and 'none' marks a client gone before any answer.
 */
export function fileResponseStatus(o: ResponseOutcome): string {
  if (o.status !== 0) return String(o.status);
  if (o.failure === 'stalled') return '503';
  if (o.failure === 'source') return '502';
  if (o.result === 'stopped') return '429';
  if (o.result === 'aborted') return 'none';
  if (o.info === null) return '404';
  return 'other';
}

export function httpMetrics(o: { registry: Registry; http: () => HttpStats; source?: FileSource; logger: MetricsLogger }): HttpMetrics {
  const registers = [o.registry];
  // Read at scrape time; the server may not exist yet when the metrics are created (or be gone at shutdown).
  const stats = (): HttpStats | undefined => {
    try {
      return o.http();
    } catch {
      return undefined;
    }
  };
  new Gauge({
    name: 'streambot_http_active_streams',
    help: 'File responses in progress (from the request to the last byte, abort or error).',
    registers,
    collect() {
      const s = stats();
      if (s) this.set(s.activeStreams);
    },
  });
  let lastBytes = 0;
  new Counter({
    name: 'streambot_http_sent_bytes_total',
    help: 'File body bytes handed to client sockets.',
    registers,
    collect() {
      const s = stats();
      if (s === undefined) return;
      // A counter only grows: a server replaced by a new one (whose count starts at 0) adds from there.
      const delta = s.bytesSent >= lastBytes ? s.bytesSent - lastBytes : s.bytesSent;
      lastBytes = s.bytesSent;
      if (delta > 0) this.inc(delta);
    },
  });
  const responses = new Counter({
    name: 'streambot_http_responses_total',
    help: 'HTTP responses by route kind (file, page, api, probe, metrics, asset) and status sent.',
    labelNames: ['kind', 'status'] as const,
    registers,
  });

  const unsubscribe = subscribeResponses((event) => {
    if (event.type !== 'end' || (o.source !== undefined && event.source !== o.source)) return;
    responses.inc({ kind: 'file', status: fileResponseStatus(event.outcome) });
  });

  return {
    policy(inner: HttpPolicy = {}) {
      const counted: HttpPolicy = {
        headers(req, route, status) {
          // A route that takes the response over is asked for its headers with 200 before it has answered anything;
          // its real status reaches the diagnostics channel.
          if (!(route.takeOver && status === 200)) responses.inc({ kind: route.kind, status: String(status) });
          return inner.headers?.(req, route, status) ?? [];
        },
      };
      // Left out when absent: without `before` the server hands file routes over synchronously.
      if (inner.before) counted.before = inner.before.bind(inner);
      if (inner.clientIp) counted.clientIp = inner.clientIp.bind(inner);
      return counted;
    },
    close: unsubscribe,
  };
}
