// The media probe end to end: bytes read through a FileSource, parsed on the piscina pool, cached in the store.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { createMediaProbe, probeKey, type MediaProbe } from '../src/media-probe/index.ts';
import { openStore, type Store } from '../src/store/index.ts';
import type { FileInfo, FileRefusal, FileSource } from '../src/streaming/types.ts';
import { MemorySource, patternBytes } from './support/http-memory-source.ts';

const sample = (name: string): Uint8Array => readFileSync(new URL(`fixtures/media/${name}`, import.meta.url));

/** A MemorySource that also refuses some ids, as a revoked link does. */
function refusing(memory: MemorySource, refused: Set<string>): FileSource {
  return {
    stat: async (id): Promise<FileInfo | FileRefusal | null> => (refused.has(id) ? { refused: { status: 410, title: 'Link revoked', message: 'revoked' } } : memory.stat(id)),
    open: (info, start, end) => memory.open(info, start, end),
  };
}

const warnings: unknown[] = [];
const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line)) });
let store: Store;
let source: MemorySource;
const refused = new Set<string>();
let probe: MediaProbe;

before(async () => {
  store = await openStore({ dataDir: ':memory:' });
  source = new MemorySource([], { chunkSize: 16 * 1024 });
  for (const name of ['faststart.mp4', 'moov-at-end.mp4', 'sample.webm', 'sample.avi']) source.add({ id: name, data: sample(name) });
  source.add({ id: 'noise', data: patternBytes(300_000) });
  source.add({ id: 'revoked', data: sample('faststart.mp4') });
  refused.add('revoked');
  probe = createMediaProbe({ source: refusing(source, refused), store, logger, maxThreads: 2 });
});

after(async () => {
  await probe.close();
  await store.close();
  assert.equal(source.openNow, 0, 'every stream the probe opened was closed');
});

test('each sample is probed on the pool and the answer is cached as probe:<fileId>', async () => {
  const results = await Promise.all(['faststart.mp4', 'moov-at-end.mp4', 'sample.webm', 'sample.avi'].map((id) => probe.probe(id)));
  assert.deepEqual(results, [
    { container: 'mp4', faststart: true, durationSeconds: 4, videoCodec: 'avc1', width: 320, height: 240, audioCodec: 'mp4a' },
    { container: 'mp4', faststart: false, durationSeconds: 4, videoCodec: 'avc1', width: 320, height: 240, audioCodec: 'mp4a' },
    { container: 'webm', durationSeconds: 4.008, videoCodec: 'V_VP9', width: 320, height: 240, audioCodec: 'A_OPUS' },
    { container: 'avi', durationSeconds: 4.041666666666667, videoCodec: 'FMP4', width: 320, height: 240, audioCodec: 'mp3' },
  ]);
  assert.deepEqual(await store.getSetting(probeKey('sample.webm')), { version: 1, info: results[2] });
});

test('a cached answer is served without reading the file again', async () => {
  await probe.probe('sample.avi');
  const before = { ...source.counters };
  assert.equal((await probe.probe('sample.avi'))?.container, 'avi');
  assert.equal(source.counters.statCalls, before.statCalls);
  assert.equal(source.counters.opened, before.opened);
});

test('an MP4 with moov past the first read is probed by following the box sizes to its tail', async () => {
  const data = source.files.get('moov-at-end.mp4')!.data;
  assert.ok(data.length > 256 * 1024, 'the sample is larger than the first read');
  await store.setSetting(probeKey('moov-at-end.mp4'), null);
  const before = source.counters.opened;
  const info = await probe.probe('moov-at-end.mp4');
  assert.equal(info?.faststart, false);
  assert.equal(info?.videoCodec, 'avc1');
  // The head, then the window at the first box header past it, which holds moov.
  assert.equal(source.counters.opened - before, 2);
});

test('concurrent probes of one file read it once', async () => {
  source.add({ id: 'twice', data: sample('sample.webm') });
  const before = source.counters.opened;
  const [a, b] = await Promise.all([probe.probe('twice'), probe.probe('twice')]);
  assert.deepEqual(a, b);
  assert.equal(source.counters.opened - before, 1);
});

test('bytes of no known format give null, cached so they are not read again', async () => {
  assert.equal(await probe.probe('noise'), null);
  assert.deepEqual(await store.getSetting(probeKey('noise')), { version: 1, info: null });
});

test('an unknown or refused id gives null and nothing is cached', async () => {
  assert.equal(await probe.probe('nope'), null);
  assert.equal(await probe.probe('revoked'), null);
  assert.equal(await store.getSetting(probeKey('nope')), null);
  assert.equal(await store.getSetting(probeKey('revoked')), null);
});

test('a read failure gives null with a warning, caches nothing, and the next probe tries again', async () => {
  source.add({ id: 'flaky', data: sample('faststart.mp4') });
  source.options = { ...source.options, failAtOffset: 20_000 };
  try {
    assert.equal(await probe.probe('flaky'), null);
  } finally {
    source.options = { ...source.options, failAtOffset: undefined };
  }
  assert.equal(await store.getSetting(probeKey('flaky')), null);
  assert.ok(warnings.some((w) => (w as { msg?: string; fileId?: string }).msg === 'media probe failed' && (w as { fileId?: string }).fileId === 'flaky'));
  assert.equal((await probe.probe('flaky'))?.container, 'mp4');
});

test('a source that ends early still gets an answer', async () => {
  source.add({ id: 'short', data: sample('sample.avi') });
  source.options = { ...source.options, truncateBy: 150_000 };
  try {
    assert.equal((await probe.probe('short'))?.container, 'avi');
  } finally {
    source.options = { ...source.options, truncateBy: undefined };
  }
});

test('maxThreads must be a positive integer', () => {
  assert.throws(() => createMediaProbe({ source, store, logger, maxThreads: 0 }), { name: 'RangeError', message: /options\.maxThreads must be a positive integer \(got 0\)/ });
});

test('after close() a probe resolves null', async () => {
  const other = createMediaProbe({ source, store, logger });
  await other.close();
  source.add({ id: 'late', data: sample('sample.webm') });
  assert.equal(await other.probe('late'), null);
  await other.close();
});
