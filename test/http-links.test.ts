import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createHttpServer, fileLinks, type HttpServer } from '../src/http/index.ts';
import { request } from './support/http-client.ts';
import { recordingLogger } from './support/http-logger.ts';
import { MemorySource, patternBytes } from './support/http-memory-source.ts';

test('links put id and name in single encoded path segments under the base path', () => {
  assert.deepEqual(fileLinks('https://dl.example.org', 'abc', 'My Film.mkv'), {
    download: 'https://dl.example.org/dl/abc/My%20Film.mkv',
    stream: 'https://dl.example.org/stream/abc/My%20Film.mkv',
    watch: 'https://dl.example.org/watch/abc/My%20Film.mkv',
  });
  assert.equal(fileLinks('https://x.org/bot/', 'a/b?c', 'x#y.txt').download, 'https://x.org/bot/dl/a%2Fb%3Fc/x%23y.txt');
  assert.equal(fileLinks('http://x.org', 'i', '../evil\r\n.txt').stream, 'http://x.org/stream/i/.._evil.txt');
  assert.equal(fileLinks('http://x.org', 'i', 'bad\uD800.txt').stream, 'http://x.org/stream/i/bad%EF%BF%BD.txt');
  assert.throws(() => fileLinks('ftp://x.org', 'i', 'n'), TypeError);
  assert.throws(() => fileLinks('not a url', 'i', 'n'), TypeError);
});

const source = new MemorySource([{ id: 'id with/slash é', data: patternBytes(33), fileName: 'Фильм "1".mp4' }]);
let server: HttpServer;
before(async () => {
  server = await createHttpServer({ source, host: '127.0.0.1', port: 0, logger: recordingLogger().logger });
});
after(() => server.close());

test('the server answers the links it builds', async () => {
  const links = fileLinks(`http://127.0.0.1:${server.port}`, 'id with/slash é', 'Фильм "1".mp4');
  for (const url of [links.download, links.stream]) {
    const r = await request(server.port, new URL(url).pathname);
    assert.equal(r.status, 200, url);
    assert.ok(r.body.equals(source.files.get('id with/slash é')!.data));
  }
});
