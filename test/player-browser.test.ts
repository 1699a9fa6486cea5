// The watch page in a real browser: Chromium loads each sample through /watch, plays it, seeks to 80 % and gets
// enough data there to play on, under the content security policy the app sends for pages.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createHttpServer, type HttpServer } from '../src/http/index.ts';
import { createMediaProbe, type MediaProbe } from '../src/media-probe/index.ts';
import { playerRoutes } from '../src/player/index.ts';
import { openStore, type Store } from '../src/store/index.ts';
import { MemorySource } from './support/http-memory-source.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = new URL('../test-artifacts/', import.meta.url);
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; media-src 'self'; img-src 'self' data:";

const SAMPLES = [
  { name: 'faststart', file: 'faststart.mp4', mimeType: 'video/mp4' },
  { name: 'moov-at-end', file: 'moov-at-end.mp4', mimeType: 'video/mp4' },
  { name: 'webm', file: 'sample.webm', mimeType: 'video/webm' },
];

let store: Store;
let probe: MediaProbe;
let server: HttpServer;
let browser: Browser;
let baseUrl: string;
const ids = new Map<string, string>();

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

before(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is missing at ${CHROMIUM}: install it (apt-get install -y chromium) to run the player browser test`);
  }
  store = await openStore({ dataDir: ':memory:' });
  const source = new MemorySource([], { chunkSize: 16 * 1024 });
  for (const [i, s] of SAMPLES.entries()) {
    const data = readFileSync(new URL(`fixtures/media/${s.file}`, import.meta.url));
    const record = await store.registerFile({ messageId: 100 + i, userId: 1, fileName: s.file, fileSize: data.length, fileType: 'video', mimeType: s.mimeType, isVideo: true, title: `Sample ${s.name}` });
    source.add({ id: record.id, data, mimeType: s.mimeType, fileName: s.file });
    ids.set(s.name, record.id);
  }
  const logger = pino({ level: 'silent' });
  probe = createMediaProbe({ source, store, logger });
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  server = await createHttpServer({
    source,
    host: '127.0.0.1',
    port,
    logger,
    routes: playerRoutes({ source, store, baseUrl, probe, logger, probeWaitMs: 60_000 }),
    policy: { headers: (_req, route) => (route.kind === 'page' ? [['Content-Security-Policy', CSP]] : []) },
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required'] });
  mkdirSync(ARTIFACTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  await server?.close();
  await probe?.close();
  await store?.close();
});

/** Opens the watch page, collecting console errors (CSP violations show there) and failed requests. */
async function openWatch(name: string, viewport = { width: 960, height: 720 }): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  page.on('console', (m) => {
    // Failed requests are reported below with their URL.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });
  page.on('response', (r) => {
    // The browser asks for a favicon on its own; the page does not link one.
    if (r.status() >= 400 && new URL(r.url()).pathname !== '/favicon.ico') errors.push(`${r.status()} ${r.url()}`);
  });
  page.on('pageerror', (e) => errors.push(e.message));
  const file = SAMPLES.find((s) => s.name === name)!.file;
  const response = await page.goto(`${baseUrl}/watch/${ids.get(name)}/${file}`);
  assert.equal(response?.status(), 200);
  return { page, errors };
}

for (const sample of SAMPLES) {
  test(`${sample.name}: the video plays, and seeking to 80 % gets it ready to play on there`, async () => {
    const { page, errors } = await openWatch(sample.name);
    try {
      await page.waitForFunction(() => (document.querySelector('video') as HTMLVideoElement | null)?.readyState! >= 1, null, { timeout: 30_000 });
      await page.evaluate(() => (document.querySelector('video') as HTMLVideoElement).play());
      await page.waitForFunction(() => (document.querySelector('video') as HTMLVideoElement).currentTime > 0.3, null, { timeout: 30_000 });
      const duration = await page.evaluate(() => (document.querySelector('video') as HTMLVideoElement).duration);
      assert.ok(duration > 3.5 && duration < 4.5, `duration ${duration}`);
      const target = duration * 0.8;
      await page.evaluate((t) => {
        const v = document.querySelector('video') as HTMLVideoElement;
        v.pause();
        v.currentTime = t;
      }, target);
      await page.waitForFunction(
        (t) => {
          const v = document.querySelector('video') as HTMLVideoElement;
          return !v.seeking && v.readyState >= 3 && Math.abs(v.currentTime - t) < 0.5;
        },
        target,
        { timeout: 30_000 },
      );
      const state = await page.evaluate(() => {
        const v = document.querySelector('video') as HTMLVideoElement;
        return { error: v.error?.code ?? null, width: v.videoWidth, height: v.videoHeight, hint: !document.getElementById('playback-error')!.hidden };
      });
      assert.deepEqual(state, { error: null, width: 320, height: 240, hint: false });
      // The probe's facts are on the page.
      assert.equal(await page.textContent('[data-fact="duration"]'), '0:04');
      assert.equal(await page.textContent('[data-fact="resolution"]'), '320×240');
      await page.screenshot({ path: new URL(`player-${sample.name}.png`, ARTIFACTS).pathname, fullPage: true });
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  });
}

test('the copy button puts the stream link on the clipboard, through the script asset under the CSP', async () => {
  const context = await browser.newContext();
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl });
  const page = await context.newPage();
  try {
    await page.goto(`${baseUrl}/watch/${ids.get('webm')}/sample.webm`);
    await page.click('[data-copy]');
    await page.waitForFunction(() => document.querySelector('[data-copy-status]')!.textContent !== '', null, { timeout: 10_000 });
    assert.equal(await page.textContent('[data-copy-status]'), 'Stream link copied.');
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), `${baseUrl}/stream/${ids.get('webm')}/sample.webm`);
  } finally {
    await context.close();
  }
});

test('on a phone-sized screen the page fits the width', async () => {
  const { page, errors } = await openWatch('faststart', { width: 360, height: 740 });
  try {
    const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, video: document.querySelector('video')!.getBoundingClientRect().width }));
    assert.ok(widths.page <= 360, `page is ${widths.page}px wide`);
    assert.ok(widths.video > 300 && widths.video <= 360, `video is ${widths.video}px wide`);
    await page.screenshot({ path: new URL('player-phone.png', ARTIFACTS).pathname });
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});
