// End-to-end streaming throughput: one HTTP client pulling one large file through StreamBot, with 1, 2 and 4 bot
// sessions, against the sandbox DC in its own process. Also the same with each session capped by the sandbox, to
// show the striped read-ahead adding sessions up. The client is curl; CPU figures cover the app's process (main thread
// and session workers). Prints one JSON line per run.
//   npx tsx bench/stream-throughput.ts [--mib 256] [--sessions 1,2,4] [--cap-mib 0]
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { controlClient } from '../src/sandbox/control-client.ts';
import { loadConfig } from '../src/config/index.ts';
import { startApp } from '../src/app/app.ts';

const { values } = parseArgs({ options: { mib: { type: 'string', default: '256' }, sessions: { type: 'string', default: '1,2,4' }, 'cap-mib': { type: 'string', default: '0' }, window: { type: 'string', default: '8' } } });
const MiB = 1 << 20;
const size = Number(values.mib) * MiB;
const capBytes = Number(values['cap-mib']) * MiB;

const child = spawn(process.execPath, ['--import', 'tsx', 'src/sandbox/main.ts'], { stdio: ['ignore', 'pipe', 'inherit'] });
const { control: controlUrl } = JSON.parse(await new Promise<string>((r) => createInterface({ input: child.stdout! }).once('line', r))) as { control: string };
const control = controlClient(controlUrl);
function curlBytes(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const c = spawn('curl', ['-s', '-o', '/dev/null', '-w', '%{size_download}', url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('exit', (code) => (code === 0 ? resolve(Number(out)) : reject(new Error(`curl exited with ${code}`))));
  });
}

const dir = mkdtempSync(join(tmpdir(), 'streambot-bench-'));

try {
  const maxSessions = Math.max(...values.sessions.split(',').map(Number));
  const bots = [];
  for (let i = 0; i < maxSessions; i++) bots.push(await control.createBot({ username: `bench${i}_bot` }));
  const channel = await control.createChannel({ title: 'bench', admins: bots.map((b) => b.id) });
  const file = await control.postFile(channel.id, { fileName: 'big.bin', size, dcId: 2 });
  if (capBytes) await control.setBandwidthCap(capBytes);

  for (const n of values.sessions.split(',').map(Number)) {
    const config = loadConfig({
      BOT_TOKEN: bots[0]!.token,
      ADDITIONAL_BOT_TOKENS: bots.slice(1, n).map((b) => b.token).join(','),
      LOG_CHANNEL: channel.id, SANDBOX_URL: controlUrl, PORT: '0', BIND_ADDRESS: '127.0.0.1',
      DATA_DIR: join(dir, `s${n}`), ALLOW_MESSAGE_IDS: '1', READ_AHEAD_BLOCKS: values.window, RATE_LIMIT_PER_MINUTE: '0',
    });
    const app = await startApp(config, { logger: pino({ level: 'silent' }) });
    while (!app.supervisor.states().every((s) => s.state === 'ready')) await new Promise((r) => setTimeout(r, 50));
    const url = `http://127.0.0.1:${app.http.port}/dl/${file.messageId}`;
    await (await fetch(url, { headers: { range: 'bytes=0-0' } })).arrayBuffer();
    const before = await control.counters();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    // The client is curl in its own process, so the app's CPU figure is StreamBot's alone.
    const got = await curlBytes(url);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const after = await control.counters();
    if (got !== size) throw new Error(`got ${got} of ${size} bytes`);
    console.log(JSON.stringify({
      bench: 'stream-throughput', sessions: n, window: Number(values.window), bytes: size,
      seconds: +seconds.toFixed(2), MBps: +(size / 1e6 / seconds).toFixed(1),
      capMBpsPerSession: capBytes ? +(capBytes / 1e6).toFixed(2) : null,
      ratioToCap: capBytes ? +((size / seconds) / capBytes).toFixed(2) : null,
      appCpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(2),
      appCpuMsPerMiB: +(((cpu.user + cpu.system) / 1e3) / (size / MiB)).toFixed(2),
      sandboxCpuSeconds: +((after.cpuMs - before.cpuMs) / 1000).toFixed(2),
      rssMiB: Math.round(process.memoryUsage().rss / MiB),
    }));
    await app.close();
  }
} finally {
  child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
  setTimeout(() => process.exit(0), 300).unref();
}
