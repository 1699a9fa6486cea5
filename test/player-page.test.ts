// The watch page over HTTP: links, facts from the probe, escaping, error pages, HEAD, and the served assets.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { createHttpServer, fileLinks, type HttpServer, type Route, type RouteRequest } from '../src/http/index.ts';
import { createMediaProbe, type MediaProbe } from '../src/media-probe/index.ts';
import { playerRoutes } from '../src/player/index.ts';
import { openStore, type NewFile, type Store } from '../src/store/index.ts';
import type { FileInfo, FileRefusal, FileSource } from '../src/streaming/types.ts';
import { request } from './support/http-client.ts';
import { MemorySource, patternBytes } from './support/http-memory-source.ts';

const BASE = 'https://media.example.org';
const logger = pino({ level: 'silent' });

/** A MemorySource whose ids can be refused, as revoked or over-quota links are. */
function refusing(memory: MemorySource, refusals: Map<string, FileRefusal>): FileSource {
  return {
    stat: async (id): Promise<FileInfo | FileRefusal | null> => refusals.get(id) ?? memory.stat(id),
    open: (info, start, end) => memory.open(info, start, end),
  };
}

let store: Store;
let memory: MemorySource;
let source: FileSource;
const refusals = new Map<string, FileRefusal>();
let probe: MediaProbe;
let server: HttpServer;
let nextMessageId = 1;

async function addFile(data: Uint8Array, meta: Partial<NewFile> & { fileName: string; mimeType: string }): Promise<string> {
  const record = await store.registerFile({ messageId: nextMessageId++, userId: 7, fileSize: data.length, fileType: 'document', isVideo: false, ...meta });
  memory.add({ id: record.id, data, mimeType: meta.mimeType, fileName: meta.fileName });
  return record.id;
}

const get = (path: string, headers?: Record<string, string>) => request(server.port, path, { headers });
const html = async (path: string) => {
  const r = await get(path);
  return { ...r, text: r.body.toString('utf8') };
};

before(async () => {
  store = await openStore({ dataDir: ':memory:' });
  memory = new MemorySource();
  source = refusing(memory, refusals);
  probe = createMediaProbe({ source, store, logger });
  server = await createHttpServer({ source, host: '127.0.0.1', port: 0, logger, routes: playerRoutes({ source, store, baseUrl: BASE, probe, logger, probeWaitMs: 60_000 }) });
});

after(async () => {
  await server.close();
  await probe.close();
  await store.close();
  assert.equal(memory.openNow, 0, 'every stream the probe opened was closed');
});

test('the page plays the stream link and shows title, size, duration, resolution, codecs and the three actions', async () => {
  const data = readFileSync(new URL('fixtures/media/faststart.mp4', import.meta.url));
  const id = await addFile(data, { fileName: 'Holiday clip.mp4', mimeType: 'video/mp4', title: 'Our holiday' });
  const links = fileLinks(BASE, id, 'Holiday clip.mp4');
  const r = await html(`/watch/${id}/Holiday%20clip.mp4`);
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(r.headers['cache-control'], 'no-store');
  assert.match(r.text, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
  assert.match(r.text, new RegExp(`<video id="media" data-media controls playsinline preload="metadata" width="320" height="240" src="${links.stream}"></video>`));
  assert.match(r.text, /<title>Our holiday<\/title>/);
  assert.match(r.text, /<h1>Our holiday<\/h1>/);
  assert.match(r.text, /<p class="file-name">Holiday clip\.mp4<\/p>/);
  const facts = Object.fromEntries([...r.text.matchAll(/data-fact="(\w+)">([^<]*)</g)].map((m) => [m[1], m[2]]));
  assert.deepEqual(facts, { size: '148 KB', duration: '0:04', resolution: '320×240', video: 'H.264', audio: 'AAC' });
  assert.ok(r.text.includes(`href="${links.download}" download>Download</a>`));
  assert.ok(r.text.includes(`data-copy="${links.stream}">Copy stream link</button>`));
  assert.ok(r.text.includes(`href="https://cricster.pages.dev?stream=${encodeURIComponent(links.stream)}"`));
});

test('no inline script or style: scripts and styles are assets on the page\'s own origin', async () => {
  const id = await addFile(patternBytes(100), { fileName: 'a.mp4', mimeType: 'video/mp4' });
  const r = await html(`/watch/${id}/a.mp4`);
  const scripts = [...r.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.equal(scripts.length, 1);
  assert.match(scripts[0]![1]!, / src="\/assets\/player\.js\?v=[\w-]+" defer/);
  assert.equal(scripts[0]![2], '');
  assert.doesNotMatch(r.text, /<style|style=|\son\w+=/i);
  assert.match(r.text, /<link rel="stylesheet" href="\/assets\/player\.css\?v=[\w-]+">/);
});

test('the script and the stylesheet are served with their types, a validator and 304 on a match', async () => {
  const page = await html(`/watch/${await addFile(patternBytes(10), { fileName: 'b.mp4', mimeType: 'video/mp4' })}`);
  for (const [path, type, file] of [['/assets/player.js', 'text/javascript; charset=utf-8', 'player.js'], ['/assets/player.css', 'text/css; charset=utf-8', 'player.css']] as const) {
    const r = await get(path);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], type);
    assert.equal(r.body.toString(), readFileSync(new URL(`../src/player/assets/${file}`, import.meta.url), 'utf8'));
    const etag = r.headers.etag!;
    // The page asks for the version it was built with.
    assert.ok(page.text.includes(`${path}?v=${etag.slice(1, -1)}`));
    assert.equal((await get(path, { 'if-none-match': etag })).status, 304);
  }
});

test('HEAD answers the page\'s headers and length without a body', async () => {
  const id = await addFile(patternBytes(1000), { fileName: 'c.mp4', mimeType: 'video/mp4' });
  const full = await get(`/watch/${id}/c.mp4`);
  const head = await request(server.port, `/watch/${id}/c.mp4`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], String(full.body.length));
  assert.equal(head.body.length, 0);
});

test('everything from the user is escaped: title, file name, and codec names from the file', async () => {
  const data = Uint8Array.from(readFileSync(new URL('fixtures/media/faststart.mp4', import.meta.url)));
  const at = Buffer.from(data).indexOf('avc1', Buffer.from(data).indexOf('stsd'));
  data.set(Buffer.from('<i>"'), at);
  const id = await addFile(data, { fileName: '"><img src=x onerror=alert(1)>.mp4', mimeType: 'video/mp4', title: `<script>alert("t")</script> & 'q'` });
  const r = await html(`/watch/${id}/x.mp4`);
  assert.equal(r.status, 200);
  assert.ok(r.text.includes('<h1>&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt; &amp; &#39;q&#39;</h1>'));
  assert.ok(r.text.includes('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;.mp4'));
  assert.ok(r.text.includes('data-fact="video">&lt;i&gt;&quot;</dd>'));
  assert.doesNotMatch(r.text, /<img|<i>|alert\("t"\)/);
});

test('an audio file gets <audio>', async () => {
  const id = await addFile(patternBytes(100), { fileName: 'song.mp3', mimeType: 'audio/mpeg' });
  const r = await html(`/watch/${id}/song.mp3`);
  assert.match(r.text, /<audio id="media" data-media controls playsinline preload="metadata" src="[^"]+\/stream\/[^"]+\/song\.mp3"><\/audio>/);
  assert.doesNotMatch(r.text, /<video/);
});

test('a file the probe cannot read still gets a page, with its size only', async () => {
  const video = await addFile(patternBytes(5000), { fileName: 'broken.mp4', mimeType: 'video/mp4' });
  const r = await html(`/watch/${video}/broken.mp4`);
  assert.equal(r.status, 200);
  assert.match(r.text, /<video /);
  assert.deepEqual([...r.text.matchAll(/data-fact="(\w+)"/g)].map((m) => m[1]), ['size']);
  // Not a video by its type and not a known container: no player, the download stays.
  const other = await addFile(patternBytes(5000), { fileName: 'archive.zip', mimeType: 'application/zip' });
  const z = await html(`/watch/${other}/archive.zip`);
  assert.doesNotMatch(z.text, /<video|<audio/);
  assert.match(z.text, /This file has no preview/);
  assert.match(z.text, />Download<\/a>/);
});

test('an unknown id is a 404 page', async () => {
  for (const path of ['/watch/nope/x.mp4', '/watch/nope']) {
    const r = await html(path);
    assert.equal(r.status, 404);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(r.text, /<h1>File not found<\/h1>/);
  }
});

test('a refused link answers with the refusal\'s status, title, message and Retry-After', async () => {
  const revoked = await addFile(patternBytes(10), { fileName: 'r.mp4', mimeType: 'video/mp4' });
  refusals.set(revoked, { refused: { status: 410, title: 'Link revoked', message: 'Ask <them> for a new one.' } });
  const r = await html(`/watch/${revoked}/r.mp4`);
  assert.equal(r.status, 410);
  assert.match(r.text, /<h1>Link revoked<\/h1>\n<p>Ask &lt;them&gt; for a new one\.<\/p>/);
  assert.equal(r.headers['retry-after'], undefined);
  assert.doesNotMatch(r.text, /\/stream\//);

  const quota = await addFile(patternBytes(10), { fileName: 'q.mp4', mimeType: 'video/mp4' });
  refusals.set(quota, { refused: { status: 429, title: 'Quota used up', message: 'Try tomorrow.', retryAfterS: 3600 } });
  const q = await html(`/watch/${quota}/q.mp4`);
  assert.equal(q.status, 429);
  assert.equal(q.headers['retry-after'], '3600');
});

/** Calls a watch route directly, for probes the real pool cannot imitate. */
async function callWatch(routes: Route[], id: string) {
  const route = routes.find((r) => r.pattern === '/watch/:id/:name')!;
  const req: RouteRequest = { method: 'get', path: `/watch/${id}/f.mp4`, query: new URLSearchParams(), headers: {}, peer: '127.0.0.1', ip: '127.0.0.1', params: { id, name: 'f.mp4' } };
  const r = await route.handle!(req);
  return { ...r, text: String(r.body) };
}

test('a probe that takes too long or fails leaves the facts out instead of holding the page', async () => {
  const id = await addFile(patternBytes(10), { fileName: 'f.mp4', mimeType: 'video/mp4' });
  const never: MediaProbe = { probe: () => new Promise(() => {}), close: async () => {} };
  const slow = await callWatch(playerRoutes({ source, store, baseUrl: BASE, probe: never, logger, probeWaitMs: 20 }), id);
  assert.equal(slow.status, 200);
  assert.deepEqual([...slow.text.matchAll(/data-fact="(\w+)"/g)].map((m) => m[1]), ['size']);
  const failing: MediaProbe = { probe: () => Promise.reject(new Error('boom')), close: async () => {} };
  const failed = await callWatch(playerRoutes({ source, store, baseUrl: BASE, probe: failing, logger }), id);
  assert.equal(failed.status, 200);
});

test('a base URL with a path prefix prefixes the links and the assets', async () => {
  const id = await addFile(patternBytes(10), { fileName: 'f.mp4', mimeType: 'video/mp4' });
  const known: MediaProbe = { probe: async () => null, close: async () => {} };
  const r = await callWatch(playerRoutes({ source, store, baseUrl: 'https://example.org/files/', probe: known, logger }), id);
  assert.ok(r.text.includes(`src="https://example.org/files/stream/${id}/f.mp4"`));
  assert.ok(r.text.includes(`href="https://example.org/files/dl/${id}/f.mp4" download`));
  assert.match(r.text, /src="\/files\/assets\/player\.js\?v=/);
  assert.match(r.text, /href="\/files\/assets\/player\.css\?v=/);
});
