// `npm run demo`: StreamBot on embedded defaults. Starts the sandbox DC in its own process, puts a sample audio file
// in its log channel, starts StreamBot (session workers + SQLite + HTTP) against it, checks the link end to end,
// and prints a link that plays in a browser. `--check` exits after the check instead of serving.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { controlClient } from './sandbox/control-client.ts';
import { loadConfig, ConfigError, type AppConfig } from './app/config.ts';
import { startApp } from './app/app.ts';
import { fileLinks } from './http/index.ts';
import { sineSweepWav } from './demo/wav.ts';

const checkOnly = process.argv.includes('--check');
const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' });
const dataDir = resolve(process.env.DATA_DIR ?? './data/demo');
mkdirSync(dataDir, { recursive: true });

const sandboxMain = fileURLToPath(new URL('./sandbox/main.ts', import.meta.url));
const sandboxProc = spawn(process.execPath, ['--import', 'tsx', sandboxMain], { stdio: ['ignore', 'pipe', 'inherit'] });
const stopSandbox = () => {
  if (sandboxProc.exitCode === null) sandboxProc.kill('SIGTERM');
};
process.on('exit', stopSandbox);
const firstLine = await new Promise<string>((ok, fail) => {
  sandboxProc.once('exit', (code) => fail(new Error(`sandbox DC exited with code ${code}`)));
  createInterface({ input: sandboxProc.stdout! }).once('line', ok);
});
const { control: controlUrl } = JSON.parse(firstLine) as { control: string };
const control = controlClient(controlUrl);
console.log(`sandbox DC running (control API ${controlUrl})`);

const main = await control.createBot({ username: 'streambot_demo_bot' });
const helper = await control.createBot({ username: 'streambot_helper_bot' });
const user = await control.createUser({ firstName: 'Demo', username: 'demo_user' });
const channel = await control.createChannel({ title: 'StreamBot log', admins: [main.id, helper.id] });
const samplePath = join(dataDir, 'sample-sweep.wav');
writeFileSync(samplePath, sineSweepWav(180));
const posted = await control.postFile(channel.id, { fileName: 'sample-sweep.wav', mimeType: 'audio/wav', path: samplePath, dcId: 2 });
console.log(`log channel -100${channel.id} holds sample-sweep.wav (${(posted.size / 1e6).toFixed(1)} MB, stored on DC 2)`);

let config: AppConfig;
try {
  config = loadConfig({
    ...process.env,
    BOT_TOKEN: main.token,
    ADDITIONAL_BOT_TOKENS: helper.token,
    LOG_CHANNEL: `-100${channel.id}`,
    SANDBOX_URL: controlUrl,
    DATA_DIR: dataDir,
    PORT: process.env.PORT ?? '8080',
    BIND_ADDRESS: process.env.BIND_ADDRESS ?? '127.0.0.1',
  });
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(2);
}
const app = await startApp(config, { logger });
const baseUrl = process.env.BASE_URL ?? `http://127.0.0.1:${app.http.port}`;
const record = await app.store.registerFile({ messageId: posted.messageId, userId: Number(user.id), fileName: 'sample-sweep.wav', fileSize: posted.size, fileType: 'audio', mimeType: 'audio/wav', isVideo: false });
const links = fileLinks(baseUrl, record.id, record.fileName);
console.log(`StreamBot is serving with ${app.supervisor.states().length} sessions: ${app.supervisor.states().map((s) => `#${s.index} ${s.state}`).join(', ')}`);

// End-to-end check: a range from the middle of the file must match the bytes in the log channel.
const probeStart = Math.floor(posted.size / 2);
const res = await fetch(links.stream, { headers: { range: `bytes=${probeStart}-${probeStart + 65535}` } });
const got = Buffer.from(await res.arrayBuffer());
const want = (await control.fileBytes(posted.documentId, probeStart, 65536)) as unknown as Buffer;
const ok = res.status === 206 && got.equals(want);
console.log(`check: GET ${links.stream} Range bytes=${probeStart}-${probeStart + 65535} → ${res.status}, ${got.length} bytes, ${ok ? 'byte-exact' : 'MISMATCH'}`);
if (!ok) {
  await app.close();
  stopSandbox();
  process.exit(1);
}
console.log(`\nStream (plays and seeks in a browser): ${links.stream}\nDownload:                              ${links.download}\n`);

const shutdown = async () => {
  await app.close();
  stopSandbox();
  process.exit(0);
};
if (checkOnly) await shutdown();
console.log('Press Ctrl+C to stop.');
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
