// A StreamBot instance against an in-process sandbox DC, for end-to-end tests.
import pino from 'pino';
import { Sandbox, endpointOf } from '../../src/sandbox/sandbox.ts';
import { SandboxControl } from '../../src/sandbox/control.ts';
import { loadConfig } from '../../src/config/index.ts';
import { startApp, type App } from '../../src/app/app.ts';
import type { RecentLogs } from '../../src/bot/index.ts';

export interface Harness {
  sandbox: Sandbox;
  control: SandboxControl;
  app: App;
  bots: { id: string; token: string }[];
  channel: { id: string; accessHash: string };
  base: string;
  close(): Promise<void>;
}

export interface HarnessOptions {
  sessions?: number;
  env?: Record<string, string>;
  workerEntry?: string;
  specExtra?: Record<string, unknown>;
  /** Run the chat side (default off: tests of the sessions and HTTP drive the bot calls themselves). */
  bot?: boolean;
  now?: () => number;
  recentLogs?: RecentLogs;
  /** Runs on the sandbox before StreamBot starts (users, channels); returns more environment, e.g. ADMINS. */
  setup?: (control: SandboxControl, world: { bots: { id: string; token: string }[]; channel: { id: string; accessHash: string } }) => Record<string, string>;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const sandbox = await new Sandbox().start();
  const control = new SandboxControl(sandbox);
  const bots = Array.from({ length: opts.sessions ?? 2 }, (_, i) => control.createBot({ username: `stream${i}_bot` }));
  const channel = control.createChannel({ title: 'log', admins: bots.map((b) => b.id) });
  const [first, ...rest] = bots;
  const extraEnv = opts.setup?.(control, { bots, channel }) ?? {};
  const config = loadConfig({
    BOT_TOKEN: first!.token,
    ADDITIONAL_BOT_TOKENS: rest.map((b) => b.token).join(','),
    LOG_CHANNEL: `-100${channel.id}`,
    SANDBOX_URL: 'http://127.0.0.1:1',
    PORT: '0',
    BIND_ADDRESS: '127.0.0.1',
    DATA_DIR: ':memory:',
    ALLOW_MESSAGE_IDS: '1',
    // A busy CI machine can be slow to produce first bytes; the 503-on-stall answer has its own tests (test/http-headers-timeout.test.ts).
    HEADERS_TIMEOUT_SECONDS: '60',
    // Tests fetch hundreds of ranges from one address; the per-address rate has its own tests (test/security-rate-limit.test.ts).
    RATE_LIMIT_PER_MINUTE: '0',
    ...opts.env,
    ...extraEnv,
  });
  const app = await startApp(config, { sandbox: endpointOf(sandbox), logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), supervisor: { heartbeatMs: 2000, restart: { baseMs: 100, maxMs: 1000, failedBaseMs: 500, failedMaxMs: 2000 } }, workerEntry: opts.workerEntry, sessionSpecExtra: opts.specExtra, bot: opts.bot ?? false, now: opts.now, recentLogs: opts.recentLogs });
  // The app is up once any session is; tests talk to the primary bot, which may still be logging in.
  for (const deadline = Date.now() + 30_000; app.supervisor.states()[0]?.state !== 'ready' && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 20));
  return {
    sandbox, control, app, bots, channel,
    base: `http://127.0.0.1:${app.http.port}`,
    close: async () => {
      await app.close();
      await sandbox.stop();
    },
  };
}
