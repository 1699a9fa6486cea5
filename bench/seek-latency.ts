// Seek latency as a player sees it: the time to the first byte of a 64 KiB range at a random 1 MiB-aligned offset
// of a large file, next to the time the DC takes for one block of it (upload.getFile asked straight by a gramjs
// client, no StreamBot in between). The sandbox DC and StreamBot each run in their own process, StreamBot started
// the way production starts it (`node --import tsx src/main.ts`, configured by environment variables); the seeks come
// from this process (node:http, a new connection each, like a player's seek), the background downloads from curl.
//
// Scenarios: idle; while `--downloads` full downloads of other files run; both again with the sandbox answering every
// request `--latency-ms` later (0 skips them). In each, "cold" seeks go to offsets never read, "warm" ones right after
// aborting a long read of the same file elsewhere (the read-ahead jobs of that read were just aborted).
// Prints a table, writes bench/results/seek-latency-<time>.json. CPU seconds and RSS peaks come from /proc, for
// StreamBot's process (main thread and session workers) and the sandbox's separately.
//   npm run bench:seek -- [--sessions 2] [--seeks 50] [--downloads 16] [--latency-ms 50] [--quick]
// --quick is a short run (2 seeks per kind, 256 MiB files, 4 downloads) that exits non-zero when any figure is missing; it checks that
// the bench works, never how fast StreamBot is.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { request } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Api, TelegramClient } from 'telegram';
import { StringSession } from 'telegram/sessions/index.js';
import { Logger, LogLevel } from 'telegram/extensions/Logger.js';
import { controlClient } from '../src/sandbox/control-client.ts';
import { sandboxConnection, trustSandboxKey, type SandboxEndpoint } from '../src/sandbox/client.ts';

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '2' },
    seeks: { type: 'string' },
    downloads: { type: 'string' },
    'latency-ms': { type: 'string', default: '50' },
    'seek-mib': { type: 'string' },
    'load-mib': { type: 'string' },
    seed: { type: 'string', default: '1' },
    quick: { type: 'boolean', default: false },
  },
});
const quick = values.quick;
const MiB = 1 << 20;
const SEEK_BYTES = 64 * 1024;
const sessions = Number(values.sessions);
const seeks = Number(values.seeks ?? (quick ? 2 : 50));
// Quick: fewer downloads too, since each seek under load waits behind them and the run is to stay short.
const downloads = Number(values.downloads ?? (quick ? 4 : 16));
const latencyMs = Number(values['latency-ms']);
const seekMiB = Number(values['seek-mib'] ?? (quick ? 256 : 2048));
const loadMiB = Number(values['load-mib'] ?? (quick ? 256 : 2048));
/** The long read is aborted once this much arrived: its first block is in, the rest of its read-ahead window in flight. */
const LONG_READ_BYTES = MiB;
/** Time the downloads get to reach a steady rate before the first seek. */
const LOAD_SETTLE_MS = quick ? 1000 : 3000;
for (const [name, n, min] of [['--sessions', sessions, 1], ['--seeks', seeks, 2], ['--downloads', downloads, 1], ['--latency-ms', latencyMs, 0], ['--seek-mib', seekMiB, 64], ['--load-mib', loadMiB, 1]] as const) {
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be a whole number of at least ${min} (got ${n})`);
}

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

// ---- processes and their /proc figures ----

/** utime + stime of every thread of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from the 3rd (state) on
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

function statusKiB(pid: number, key: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`/proc/${pid}/status has no ${key}`);
  return Number(m[1]);
}

/** Samples a process's RSS while a scenario runs, for the scenario's own peak (VmHWM only knows the lifetime's). */
function rssSampler(pid: number) {
  let peak = statusKiB(pid, 'VmRSS');
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, statusKiB(pid, 'VmRSS'));
    } catch {
      // the process is gone; the caller notices on its own
    }
  }, 100);
  return { stop: () => (clearInterval(timer), Math.round(peak / 1024)) };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

async function stopChild(child: ChildProcess | undefined, ms = 5000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  await exited(child);
  clearTimeout(timer);
}

// ---- HTTP clients ----

interface RangeResult {
  status: number;
  ttfbMs: number;
  totalMs: number;
  body: Buffer;
}

/** One range request on a new connection; time to the first body byte and to the last. */
function timedRange(url: string, start: number, endInclusive: number): Promise<RangeResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let ttfbMs = NaN;
    const req = request(url, { agent: false, headers: { range: `bytes=${start}-${endInclusive}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        if (Number.isNaN(ttfbMs)) ttfbMs = performance.now() - t0;
        chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ttfbMs, totalMs: performance.now() - t0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(60_000, () => req.destroy(new Error(`no answer to bytes=${start}-${endInclusive} in 60 s`)));
    req.on('error', reject);
    req.end();
  });
}

/** A 503 other than the stream caps' (which this bench's configuration must never meet). */
const isStall = (status: number, body: Buffer) => status === 503 && !body.toString().includes('too many streams');

/**
 * Reads from `start` to the end of the file until `bytes` arrived, then drops the connection as a seeking player
 * does. 'stalled': StreamBot answered 503 because no first byte came within its headers timeout.
 */
function readThenAbort(url: string, start: number, bytes: number): Promise<'aborted' | 'stalled'> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers: { range: `bytes=${start}-` } }, (res) => {
      if (res.statusCode === 503) {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => (isStall(503, Buffer.concat(chunks)) ? resolve('stalled') : reject(new Error(`status 503: ${Buffer.concat(chunks)}`))));
        return;
      }
      if (res.statusCode !== 206) return reject(new Error(`status ${res.statusCode}`));
      let got = 0;
      res.on('data', (c: Buffer) => {
        got += c.length;
        if (got >= bytes) {
          req.destroy();
          resolve('aborted');
        }
      });
      res.on('end', () => reject(new Error(`long read at ${start} ended after ${got} bytes`)));
    });
    req.setTimeout(60_000, () => req.destroy(new Error(`long read at ${start}: no progress in 60 s`)));
    req.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)));
    req.end();
  });
}

/** curl downloads of whole files to /dev/null, restarted when one finishes, until stopped. */
function backgroundDownloads(urls: string[]) {
  let running = true;
  let failures = 0;
  const children = new Set<ChildProcess>();
  const start = (url: string) => {
    const c = spawn('curl', ['-sS', '-o', '/dev/null', url], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr?.on('data', (d) => (err += d));
    c.on('error', (e) => (err += e.message));
    children.add(c);
    c.on('close', (code) => {
      children.delete(c);
      if (!running) return;
      if (code === 0) return start(url);
      failures++;
      console.error(`download of ${url} failed (curl exit ${code}): ${err.trim()}`);
      // A failing server must not turn this into a fork loop.
      setTimeout(() => running && start(url), 1000).unref();
    });
  };
  urls.forEach(start);
  return {
    async stop(): Promise<number> {
      running = false;
      await Promise.all([...children].map((c) => stopChild(c)));
      return failures;
    },
  };
}

// ---- statistics ----

const rand = (() => {
  let a = Number(values.seed) >>> 0; // mulberry32: the same offsets for the same --seed
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
})();

/** Nearest-rank percentile (p99 of 50 samples is their maximum). A stalled seek counts as Infinity. */
function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const round = (n: number, digits = 1) => (Number.isFinite(n) ? +n.toFixed(digits) : null);
/** A percentile in ms; 'stalled' when it falls on a seek StreamBot answered 503 (nothing within its headers timeout). */
type Figure = number | 'stalled' | null;
const figure = (n: number): Figure => (n === Infinity ? 'stalled' : round(n));
const summary = (samples: number[]) => ({
  n: samples.length,
  stalled: samples.filter((x) => x === Infinity).length,
  p50: figure(percentile(samples, 50)),
  p99: figure(percentile(samples, 99)),
  max: samples.length ? figure(Math.max(...samples)) : null,
});

/** 1 MiB-aligned offsets of one file, each handed out once, so a "cold" offset was never read. */
function offsetPicker(fileMiB: number) {
  const used = new Set<number>();
  return (reserveMiB = 1): number => {
    for (let tries = 0; tries < 10_000; tries++) {
      const mib = Math.floor(rand() * (fileMiB - reserveMiB));
      let free = true;
      for (let i = 0; i < reserveMiB && free; i++) free = !used.has(mib + i);
      if (!free) continue;
      for (let i = 0; i < reserveMiB; i++) used.add(mib + i);
      return mib * MiB;
    }
    throw new Error(`no unread offsets left in a ${fileMiB} MiB file: use a larger --seek-mib or fewer --seeks`);
  };
}

// ---- the run ----

type Summary = ReturnType<typeof summary>;
interface ScenarioResult {
  scenario: string;
  downloads: number;
  dcLatencyMs: number;
  seconds: number | null;
  coldTtfbMs: Summary;
  warmTtfbMs: Summary;
  coldRangeMs: Summary;
  blockFetchMs: Summary;
  streambot: { cpuSeconds: number | null; rssPeakMiB: number };
  sandbox: { cpuSeconds: number | null; rssPeakMiB: number };
  dcMBps: number | null;
  longReadsStalled: number;
  loadAverage1m: (number | null)[];
  failures: string[];
}

const sandboxMain = join(repoRoot, 'src/sandbox/main.ts');
const sandboxProc = spawn(process.execPath, ['--import', 'tsx', sandboxMain], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
let appProc: ChildProcess | undefined;
let gramjs: TelegramClient | undefined;
const dir = mkdtempSync(join(tmpdir(), 'streambot-seek-'));
let exitCode = 0;
// Whatever ends this process, the sandbox and StreamBot do not outlive it.
process.on('exit', () => {
  for (const c of [sandboxProc, appProc]) if (c && c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

try {
  const first = await new Promise<string>((ok, fail) => {
    sandboxProc.once('exit', (code) => fail(new Error(`sandbox DC exited with code ${code} before it printed its endpoint`)));
    createInterface({ input: sandboxProc.stdout! }).once('line', ok);
  });
  const { sandbox: endpoint, control: controlUrl } = JSON.parse(first) as { sandbox: SandboxEndpoint; control: string };
  const control = controlClient(controlUrl);
  const dcIds = Object.keys(endpoint.ports).map(Number);
  const FILE_DC = 2; // not the bots' home DC: blocks come over exported authorizations, as for most real files

  const bots = [];
  for (let i = 0; i < sessions; i++) bots.push(await control.createBot({ username: `seek${i}_bot` }));
  const probeBot = await control.createBot({ username: 'seekprobe_bot' });
  const channel = await control.createChannel({ title: 'seek bench', admins: [...bots, probeBot].map((b) => b.id) });
  const loadFiles = [];
  for (let i = 0; i < downloads; i++) loadFiles.push(await control.postFile(channel.id, { fileName: `load${i}.bin`, size: loadMiB * MiB, dcId: FILE_DC }));

  // StreamBot, as `npm start` runs it.
  const port = await freePort();
  const logPath = join(dir, 'streambot.log');
  const log = createWriteStream(logPath);
  appProc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      BOT_TOKEN: bots[0]!.token,
      ADDITIONAL_BOT_TOKENS: bots.slice(1).map((b) => b.token).join(','),
      LOG_CHANNEL: `-100${channel.id}`,
      SANDBOX_URL: controlUrl,
      PORT: String(port),
      BIND_ADDRESS: '127.0.0.1',
      DATA_DIR: join(dir, 'data'),
      ALLOW_MESSAGE_IDS: '1',
      // Every client here is 127.0.0.1: the downloads, a seek and an aborted long read must fit one IP's cap.
      MAX_STREAMS_PER_IP: String(downloads + 8),
      // ...and its request rate: every seek is a request.
      RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'warn',
    },
  });
  appProc.stdout!.pipe(log);
  appProc.stderr!.pipe(log);
  const appPid = appProc.pid!;
  const appExit = exited(appProc).then(() => {
    throw new Error(`StreamBot exited (code ${appProc!.exitCode}, signal ${appProc!.signalCode}); its log: ${logPath}`);
  });
  appExit.catch(() => {});
  const base = `http://127.0.0.1:${port}`;
  const startedAt = performance.now();
  for (;;) {
    const ok = await Promise.race([fetch(`${base}/healthz`).then((r) => r.ok, () => false), appExit]);
    if (ok) break;
    if (performance.now() - startedAt > 60_000) throw new Error(`StreamBot did not answer /healthz within 60 s; its log: ${logPath}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  // Every file is opened once before it is measured, as a player opens a file before it seeks in it.
  const prime = async (messageId: number) => {
    const r = await timedRange(`${base}/stream/${messageId}`, 0, 0);
    if (r.status !== 206) throw new Error(`first request of message ${messageId}: status ${r.status}`);
  };
  for (const f of loadFiles) await prime(f.messageId);

  // The DC's own time for one block: the block StreamBot asks first for a 64 KiB range (16 KiB at a 1 MiB offset).
  trustSandboxKey(endpoint);
  const session = new StringSession('');
  session.setDC(1, endpoint.host, endpoint.ports[1]!);
  gramjs = new TelegramClient(session, 1, 'bench', { connection: sandboxConnection(endpoint), connectionRetries: 1, floodSleepThreshold: 0, baseLogger: new Logger(LogLevel.ERROR) });
  await gramjs.start({ botAuthToken: probeBot.token });
  const inputChannel = new Api.InputChannel({ channelId: BigInt(channel.id) as any, accessHash: BigInt(channel.accessHash) as any });
  const documentOf = async (messageId: number) => {
    const res = (await gramjs!.invoke(new Api.channels.GetMessages({ channel: inputChannel, id: [new Api.InputMessageID({ id: messageId })] }))) as Api.messages.ChannelMessages;
    return ((res.messages[0] as Api.Message).media as Api.MessageMediaDocument).document as Api.Document;
  };
  const BLOCK = 16 * 1024;
  const timedGetFile = async (doc: Api.Document, offset: number): Promise<number> => {
    const location = new Api.InputDocumentFileLocation({ id: doc.id, accessHash: doc.accessHash, fileReference: doc.fileReference, thumbSize: '' });
    const t0 = performance.now();
    const r = (await gramjs!.invoke(new Api.upload.GetFile({ location, offset: BigInt(offset) as any, limit: BLOCK }), FILE_DC)) as Api.upload.File;
    const ms = performance.now() - t0;
    if (r.bytes.length !== BLOCK) throw new Error(`getFile at ${offset}: ${r.bytes.length} bytes, expected ${BLOCK}`);
    return ms;
  };

  const scenarios = [
    { name: 'idle', load: false, latency: 0 },
    { name: `${downloads} downloads`, load: true, latency: 0 },
    ...(latencyMs > 0 ? [{ name: `idle, DC +${latencyMs} ms`, load: false, latency: latencyMs }, { name: `${downloads} downloads, DC +${latencyMs} ms`, load: true, latency: latencyMs }] : []),
  ];
  const results: ScenarioResult[] = [];
  for (const sc of scenarios) {
    // A fresh file per scenario, so every cold offset of it is one no earlier scenario read.
    const file = await control.postFile(channel.id, { fileName: `seek-${results.length}.bin`, size: seekMiB * MiB, dcId: FILE_DC });
    const url = `${base}/stream/${file.messageId}`;
    for (const dc of dcIds) await control.setLatency(dc, sc.latency);
    await prime(file.messageId);
    const doc = await documentOf(file.messageId);
    await timedGetFile(doc, 0); // the probe's exported authorization on the file's DC, set up outside the figures
    const pick = offsetPicker(seekMiB);

    const load = sc.load ? backgroundDownloads(loadFiles.map((f) => `${base}/dl/${f.messageId}`)) : undefined;
    if (load) await new Promise((r) => setTimeout(r, LOAD_SETTLE_MS));
    const before = { app: cpuSeconds(appPid), sandbox: cpuSeconds(sandboxProc.pid!), counters: await control.counters() };
    const appRss = rssSampler(appPid);
    const sandboxRss = rssSampler(sandboxProc.pid!);
    const t0 = performance.now();

    const cold: number[] = [];
    const warm: number[] = [];
    const coldTotal: number[] = [];
    const block: number[] = [];
    const failures: string[] = [];
    let checked = false;
    let longReadsStalled = 0;
    const loadAverage = [loadavg()[0]!];
    const seek = async (into: number[], totals: number[] | undefined, offset: number) => {
      try {
        const r = await timedRange(url, offset, offset + SEEK_BYTES - 1);
        if (isStall(r.status, r.body)) {
          into.push(Infinity);
          totals?.push(Infinity);
          return;
        }
        if (r.status !== 206 || r.body.length !== SEEK_BYTES) throw new Error(`status ${r.status}, ${r.body.length} bytes`);
        if (!checked) {
          checked = true;
          const want = (await control.fileBytes(file.documentId, offset, SEEK_BYTES)) as unknown as Buffer;
          if (!r.body.equals(want)) throw new Error('bytes differ from the file in the log channel');
        }
        into.push(r.ttfbMs);
        totals?.push(r.totalMs);
      } catch (err) {
        failures.push(`seek to ${offset}: ${(err as Error).message}`);
      }
    };
    for (let i = 0; i < seeks; i++) {
      if (appProc.exitCode !== null || appProc.signalCode !== null) await appExit;
      await seek(cold, coldTotal, pick());
      try {
        block.push(await timedGetFile(doc, pick()));
      } catch (err) {
        failures.push(`getFile: ${(err as Error).message}`);
      }
      // The long read's window (READ_AHEAD_BLOCKS of 1 MiB) stays clear of later cold offsets.
      const longReadAt = pick(16);
      try {
        if ((await readThenAbort(url, longReadAt, LONG_READ_BYTES)) === 'stalled') longReadsStalled++;
        await seek(warm, undefined, pick());
      } catch (err) {
        failures.push(`long read at ${longReadAt}: ${(err as Error).message}`);
      }
    }

    const seconds = (performance.now() - t0) / 1000;
    console.error(`${sc.name}: ${seeks} cold and ${seeks} warm seeks in ${seconds.toFixed(1)} s`);
    loadAverage.push(loadavg()[0]!);
    const after = { app: cpuSeconds(appPid), sandbox: cpuSeconds(sandboxProc.pid!), counters: await control.counters() };
    const appRssPeak = appRss.stop();
    const sandboxRssPeak = sandboxRss.stop();
    const loadFailures = load ? await load.stop() : 0;
    for (const dc of dcIds) await control.setLatency(dc, 0);
    results.push({
      scenario: sc.name, downloads: sc.load ? downloads : 0, dcLatencyMs: sc.latency, seconds: round(seconds, 2),
      coldTtfbMs: summary(cold), warmTtfbMs: summary(warm), coldRangeMs: summary(coldTotal), blockFetchMs: summary(block),
      streambot: { cpuSeconds: round(after.app - before.app, 2), rssPeakMiB: appRssPeak },
      sandbox: { cpuSeconds: round(after.sandbox - before.sandbox, 2), rssPeakMiB: sandboxRssPeak },
      dcMBps: round((after.counters.bytesServed - before.counters.bytesServed) / 1e6 / seconds),
      longReadsStalled,
      loadAverage1m: loadAverage.map((x) => round(x, 2)),
      failures: [...failures, ...(loadFailures ? [`${loadFailures} background downloads failed`] : [])],
    });
  }

  // Ratios to the idle scenario with the same DC latency.
  const rows = results.map((r) => {
    const idle = results.find((x) => x.dcLatencyMs === r.dcLatencyMs && x.downloads === 0)!;
    const ratio = (a: Figure, b: Figure): Figure => (a === 'stalled' ? 'stalled' : typeof a === 'number' && typeof b === 'number' && b > 0 ? round(a / b, 2) : null);
    return { ...r, ratioToIdle: { coldP50: ratio(r.coldTtfbMs.p50, idle.coldTtfbMs.p50), coldP99: ratio(r.coldTtfbMs.p99, idle.coldTtfbMs.p99), warmP50: ratio(r.warmTtfbMs.p50, idle.warmTtfbMs.p50), warmP99: ratio(r.warmTtfbMs.p99, idle.warmTtfbMs.p99) } };
  });
  const streambotTotal = { cpuSeconds: round(cpuSeconds(appPid), 2), rssPeakMiB: Math.round(statusKiB(appPid, 'VmHWM') / 1024) };
  const sandboxTotal = { cpuSeconds: round(cpuSeconds(sandboxProc.pid!), 2), rssPeakMiB: Math.round(statusKiB(sandboxProc.pid!, 'VmHWM') / 1024) };

  const fmt = (v: Figure) => (v === null ? '—' : v === 'stalled' ? '503' : String(v));
  console.log(`\nseek latency: ${sessions} sessions, ${seeks} seeks of 64 KiB per kind, ${seekMiB} MiB seek files, ${downloads} × ${loadMiB} MiB downloads, ${cpus().length} cores\n`);
  console.log('| scenario | cold TTFB p50 / p99 ms | warm TTFB p50 / p99 ms | DC getFile of the first block p50 / p99 ms | cold / warm p50 × idle | 503s cold / warm / long reads | StreamBot CPU s, RSS peak | sandbox CPU s, RSS peak | DC MB/s |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.scenario} | ${fmt(r.coldTtfbMs.p50)} / ${fmt(r.coldTtfbMs.p99)} | ${fmt(r.warmTtfbMs.p50)} / ${fmt(r.warmTtfbMs.p99)} | ${fmt(r.blockFetchMs.p50)} / ${fmt(r.blockFetchMs.p99)} | ${fmt(r.ratioToIdle.coldP50)} / ${fmt(r.ratioToIdle.warmP50)} | ${r.coldTtfbMs.stalled} / ${r.warmTtfbMs.stalled} / ${r.longReadsStalled} | ${fmt(r.streambot.cpuSeconds)}, ${r.streambot.rssPeakMiB} MiB | ${fmt(r.sandbox.cpuSeconds)}, ${r.sandbox.rssPeakMiB} MiB | ${fmt(r.dcMBps)} |`);
  }
  console.log(`503: StreamBot answered 503 because no first byte came within its headers timeout (HEADERS_TIMEOUT_SECONDS, 8 s); such a seek counts as slower than any other.`);
  console.log(`\nwhole run: StreamBot ${streambotTotal.cpuSeconds} CPU s, RSS peak ${streambotTotal.rssPeakMiB} MiB; sandbox ${sandboxTotal.cpuSeconds} CPU s, RSS peak ${sandboxTotal.rssPeakMiB} MiB`);

  // Every figure must be there: a seek that failed leaves its scenario's percentiles short of samples.
  const missing: string[] = [];
  for (const r of rows) {
    for (const [what, s] of [['cold TTFB', r.coldTtfbMs], ['warm TTFB', r.warmTtfbMs], ['block fetch', r.blockFetchMs]] as const) {
      if (s.n !== seeks || s.p50 === null || s.p99 === null) missing.push(`${r.scenario}: ${what} has ${s.n} of ${seeks} samples`);
    }
    for (const [what, v] of Object.entries({ ...r.ratioToIdle, streambotCpu: r.streambot.cpuSeconds, sandboxCpu: r.sandbox.cpuSeconds, streambotRss: r.streambot.rssPeakMiB, sandboxRss: r.sandbox.rssPeakMiB })) {
      if (v === null || (typeof v === 'number' && !Number.isFinite(v))) missing.push(`${r.scenario}: no ${what}`);
    }
    for (const f of r.failures) missing.push(`${r.scenario}: ${f}`);
  }

  const resultsDir = join(repoRoot, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  const outPath = join(resultsDir, `seek-latency-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  let head: string | null = null;
  try {
    head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // a copy outside git (git archive): the commit is the caller's to note
  }
  writeFileSync(outPath, JSON.stringify({
    bench: 'seek-latency', date: new Date().toISOString(), commit: head, quick, cores: cpus().length, cpuModel: cpus()[0]?.model,
    sessions, seeks, seekBytes: SEEK_BYTES, seekFileMiB: seekMiB, downloads, downloadFileMiB: loadMiB, longReadBytes: LONG_READ_BYTES, seed: values.seed,
    scenarios: rows, streambotTotal, sandboxTotal, missing,
  }, null, 2) + '\n');
  console.log(`results: ${outPath}`);
  if (missing.length) {
    console.error(`missing figures:\n- ${missing.join('\n- ')}`);
    exitCode = 1;
  }
} catch (err) {
  console.error(err);
  exitCode = 1;
} finally {
  await gramjs?.disconnect().catch(() => {});
  await stopChild(appProc, 10_000);
  await stopChild(sandboxProc);
  if (exitCode === 0) rmSync(dir, { recursive: true, force: true });
  else console.error(`StreamBot's log and data kept in ${dir}`);
  setTimeout(() => process.exit(exitCode), 200).unref();
}
