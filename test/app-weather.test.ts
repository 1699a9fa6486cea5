// Telegram's bad weather, injected through the sandbox DC while 32 streams run: each stream slows down and still
// delivers every byte. Faults are injected once every stream has its headers, as a player that is already playing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startHarness } from './support/streambot.ts';
import { openStream } from './support/stream-client.ts';

const MiB = 1 << 20;
const STREAMS = 32;
const SIZE = 4 * MiB;
const h = await startHarness({ sessions: 4, env: { READ_AHEAD_BLOCKS: '8', MAX_STREAMS_PER_IP: '256' } });
after(() => h.close());

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let round = 0;

/**
 * 32 streams of their own files (half on DC 2); `weather` runs once all have headers, `lift` once all have ended
 * (or failed); every byte must arrive.
 */
async function throughWeather(weather: () => Promise<void>, lift: () => void = () => {}): Promise<void> {
  round++;
  const files = Array.from({ length: STREAMS }, (_, i) => h.control.postFile(h.channel.id, { fileName: `w${round}-${i}.bin`, size: SIZE, dcId: 1 + (i % 2) }));
  const streams = files.map((f) => openStream(`${h.base}/stream/${f.messageId}`));
  const debug = process.env.WEATHER_DEBUG ? setInterval(() => {
    const s = h.app.supervisor.stats();
    console.log(JSON.stringify({ q: s.queued, f: s.inFlight, c: s.completed, r: s.retried, got: streams.map((x) => x.received() >> 20).join(''), st: h.app.supervisor.states().map((x) => `${x.state}:${x.inFlight}/${x.abandoned}:${x.linksDown.join(',')}`) }));
  }, 1000) : undefined;
  after(() => clearInterval(debug));
  const statuses = await Promise.all(streams.map((s) => s.headers));
  assert.deepEqual(new Set(statuses), new Set([200]), 'every stream started');
  let results;
  try {
    await weather();
    results = await Promise.all(streams.map((s) => s.done));
  } finally {
    lift();
    clearInterval(debug);
  }
  const broken = results.flatMap((r, i) => (r.complete && r.body.length === SIZE && sha(r.body) === sha(h.control.fileBytes(files[i]!.documentId, 0, SIZE)) ? [] : [`${i}: ${r.body.length} bytes, complete=${r.complete}`]));
  assert.deepEqual(broken, [], 'every stream byte-exact');
  const sup = h.app.supervisor.stats();
  assert.equal(sup.queued, 0);
}

test('a 60 s bandwidth collapse (256 KiB/s per session)', async () => {
  await throughWeather(async () => {
    h.control.setBandwidthCap(256 * 1024);
    try {
      await sleep(60_000);
    } finally {
      h.control.setBandwidthCap(0);
    }
  });
});

test('a 20 s freeze of every DC', async () => {
  await throughWeather(async () => {
    h.control.freezeDc(undefined, 20_000);
    await sleep(20_000);
  });
});

test('a 45 s FLOOD_WAIT on every bot', async () => {
  const before = h.control.counters().floodWaits;
  try {
    await throughWeather(async () => {
      for (const bot of h.bots) h.control.floodWait(bot.id, 45);
      await sleep(1000);
      assert.ok(h.control.counters().floodWaits > before, 'the sandbox answered FLOOD_WAIT');
    });
  } finally {
    for (const bot of h.bots) h.control.floodWait(bot.id, 0);
  }
});

test('a flood storm: upload.getFile limited per session, FLOOD_WAIT answers all along', async () => {
  const before = h.control.counters().floodWaits;
  await throughWeather(async () => {
    h.control.setFloodPolicy('upload.GetFile', { perSecond: 3, burst: 2 });
  }, () => h.control.setFloodPolicy('upload.GetFile', null));
  assert.ok(h.control.counters().floodWaits - before >= 10, `the storm hit (${h.control.counters().floodWaits - before} FLOOD_WAITs)`);
});

test('200 injected 500 INTERNAL errors', async () => {
  const before = h.control.counters().errors['INTERNAL'] ?? 0;
  try {
    await throughWeather(async () => {
      h.control.failNext('upload.GetFile', 200, { code: 500, message: 'INTERNAL' });
    });
  } finally {
    h.control.clearFailures('upload.GetFile');
  }
  assert.equal((h.control.counters().errors['INTERNAL'] ?? 0) - before, 200, 'all 200 were served');
});

test('a 5 s restart of every DC', async () => {
  await throughWeather(async () => {
    await h.control.restartDc(undefined, 5000);
  });
});

test('a session worker killed every 2 s', async () => {
  await throughWeather(async () => {
    h.control.setBandwidthCap(2 * MiB);
    for (let k = 0; k < 8; k++) {
      await sleep(2000);
      await h.app.supervisor.terminateSession(k % h.bots.length);
    }
  }, () => h.control.setBandwidthCap(0));
});
