// Block fetch latency as a stream sees it: from the request to the supervisor (queueing, retries on other sessions
// and flood waits included) to the block in hand. The supervisor is wrapped rather than changed; the app hands the
// wrapped one to the file source.
import { Histogram, type Registry } from 'prom-client';
import type { Supervisor } from '../../actors/supervisor/index.ts';

export function timedSupervisor(supervisor: Supervisor, registry: Registry): Supervisor {
  const latency = new Histogram({
    name: 'streambot_block_fetch_duration_seconds',
    help: 'Time to fetch one block through the supervisor, by outcome (ok, error, aborted).',
    labelNames: ['outcome'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 90],
    registers: [registry],
  });
  for (const outcome of ['ok', 'error', 'aborted']) latency.zero({ outcome });
  // Every other method delegates: listed one by one so a new Supervisor method is a type error here, not a gap.
  const timed: Supervisor = {
    ready: () => supervisor.ready(),
    resolveFile: (chatId, messageId, signal) => supervisor.resolveFile(chatId, messageId, signal),
    callBot: (index, method, ...args) => supervisor.callBot(index, method, ...args),
    states: () => supervisor.states(),
    health: (noSessionMs) => supervisor.health(noSessionMs),
    stats: () => supervisor.stats(),
    on(event, listener) {
      supervisor.on(event, listener);
      return timed;
    },
    off(event, listener) {
      supervisor.off(event, listener);
      return timed;
    },
    terminateSession: (index) => supervisor.terminateSession(index),
    stop: () => supervisor.stop(),
    async fetchBlock(req, signal, hints) {
      const end = latency.startTimer();
      try {
        const block = await supervisor.fetchBlock(req, signal, hints);
        end({ outcome: 'ok' });
        return block;
      } catch (err) {
        end({ outcome: signal?.aborted ? 'aborted' : 'error' });
        throw err;
      }
    },
  };
  return timed;
}
