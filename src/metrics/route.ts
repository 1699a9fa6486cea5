// GET /metrics: the registry in the Prometheus text exposition format.
import type { Registry } from 'prom-client';
import type { Route } from '../http/index.ts';

export function metricsRoute(registry: Registry): Route {
  return {
    name: 'metrics',
    kind: 'metrics',
    pattern: '/metrics',
    methods: ['get'],
    async handle() {
      return {
        status: 200,
        headers: [['Content-Type', registry.contentType], ['Cache-Control', 'no-store']],
        body: await registry.metrics(),
      };
    },
  };
}
