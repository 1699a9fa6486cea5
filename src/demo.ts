// `npm run demo`: StreamBot as a user meets it, on embedded defaults. Starts the sandbox DC in its own process, starts
// StreamBot (session workers + SQLite + HTTP) against it, has a simulated user send the bot a real video, checks the
// stream link byte for byte against the file, and prints the bot's reply with links that play in a browser.
// `--check` exits after the check instead of serving.
import { relative } from 'node:path';
import { controlClient } from './sandbox/control-client.ts';
import type { BotMessageView } from './sandbox/control.ts';
import { loadConfig, ConfigError, type AppConfig } from './config/index.ts';
import { startApp, type App } from './app/app.ts';
import { demoSample } from './demo/sample.ts';
import { freshDataDir } from './demo/data-dir.ts';
import { startSandboxProcess, type SandboxProcess } from './demo/sandbox-process.ts';
import { formatReply, replyLinks, type ReplyLinks } from './demo/reply.ts';
import { checkStreamRange } from './demo/range-check.ts';
import { talkToTheBot } from './demo/talk.ts';
import { createLogger } from './log/index.ts';

const REPLY_TIMEOUT_MS = 60_000;
const checkOnly = process.argv.includes('--check');
const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });

let sandbox: SandboxProcess | undefined;
let starting: Promise<App> | undefined;
let stopping: Promise<void> | undefined;

/** Closes StreamBot first (the DC still up, so nothing reconnects), then the DC; exits with `code`. */
function stop(code: number, why?: string): Promise<void> {
  return (stopping ??= (async () => {
    if (why) console.error(why);
    const app = await starting?.catch(() => undefined);
    await app?.close().catch((err) => console.error('StreamBot did not close cleanly:', err));
    await sandbox?.stop();
    process.exit(code);
  })());
}
// Registered before anything starts, so a Ctrl-C during start-up also leaves nothing running.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stop(0));

const shortPath = (path: string) => {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
};

async function waitForLinks(read: () => Promise<BotMessageView[]>): Promise<{ reply: BotMessageView; links: ReplyLinks }> {
  const deadline = Date.now() + REPLY_TIMEOUT_MS;
  for (;;) {
    const messages = await read();
    for (const reply of messages) {
      const links = replyLinks(reply);
      if (links) return { reply, links };
    }
    if (Date.now() > deadline) {
      const seen = messages.map((m) => `\n${formatReply(m)}`).join('') || ' nothing';
      throw new Error(`the bot sent no links within ${REPLY_TIMEOUT_MS / 1000} s; it sent:${seen}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function main(): Promise<void> {
  const sample = demoSample();
  const dataDir = freshDataDir(process.env.DATA_DIR);

  sandbox = await startSandboxProcess();
  const { controlUrl } = sandbox;
  void sandbox.exited.then((code) => stop(1, `the sandbox DC exited (code ${code}) while the demo was running`));
  const control = controlClient(controlUrl);
  console.log(`sandbox DC running (control API ${controlUrl})`);

  const bot = await control.createBot({ username: 'streambot_demo_bot' });
  const helper = await control.createBot({ username: 'streambot_helper_bot' });
  const channel = await control.createChannel({ title: 'StreamBot log', admins: [bot.id, helper.id] });
  const user = await control.createUser({ firstName: 'Demo', username: 'demo_user' });

  let config: AppConfig;
  try {
    config = loadConfig({
      ...process.env,
      BOT_TOKEN: bot.token,
      ADDITIONAL_BOT_TOKENS: helper.token,
      LOG_CHANNEL: `-100${channel.id}`,
      SANDBOX_URL: controlUrl,
      DATA_DIR: dataDir,
      // SQLite, whatever the environment says: the demo brings everything it needs.
      DATABASE_URL: '',
      PORT: process.env.PORT ?? '8080',
      BIND_ADDRESS: process.env.BIND_ADDRESS ?? '127.0.0.1',
    });
  } catch (err) {
    return stop(2, err instanceof ConfigError ? err.message : String(err));
  }
  starting = startApp(config, { logger });
  const app = await starting;
  const sessions = app.supervisor.states();
  console.log(`StreamBot is serving on port ${app.http.port} with ${sessions.length} bot sessions (${sessions.map((s) => `#${s.index} ${s.state}`).join(', ')}), data in ${shortPath(dataDir)}`);

  await control.userSendsFile(user.id, bot.id, {
    fileName: sample.fileName,
    mimeType: sample.mimeType,
    path: sample.path,
    video: { duration: sample.duration, width: sample.width, height: sample.height },
  });
  console.log(`@demo_user sent @streambot_demo_bot ${sample.fileName} (${(sample.size / 1e6).toFixed(1)} MB, ${sample.duration} s, ${sample.width}×${sample.height} H.264/AAC)`);

  const { reply, links } = await waitForLinks(() => control.messagesFromBot(user.id, bot.id));
  console.log(`\nThe bot replied:\n\n${formatReply(reply)}\n`);

  if (!links.stream) return stop(1, 'the reply has no stream link for the video');
  const check = await checkStreamRange(links.stream, sample.path, sample.size);
  console.log(`check: ${check.summary}`);
  if (!check.ok) return stop(1);

  console.log(`\nOpen in a browser:\n  Player (watch page): ${links.player ?? '(none: VIDEO_FRONTEND_URL=false)'}\n  Stream:              ${links.stream}\n  Download:            ${links.download}\n`);
  console.log(`Talk to the bot as @demo_user through the sandbox's control API:\n${talkToTheBot(controlUrl, user.id, bot.id, sample)}\n`);

  if (checkOnly) return stop(0);
  console.log('Press Ctrl+C to stop.');
}

main().catch((err) => stop(1, `demo failed: ${err instanceof Error ? err.message : String(err)}`));
