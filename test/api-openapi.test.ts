// The OpenAPI document: valid OpenAPI 3.1, describing every route and method the API mounts, every error code, and
// the shapes the endpoints really answer with.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { API_ERROR_STATUS, apiRoutes, openApiDocument, type ApiDeps } from '../src/api/index.ts';
import { createHttpServer, type HttpServer } from '../src/http/index.ts';
import { openStore, type Store } from '../src/store/index.ts';
import { recordingLogger } from './support/http-logger.ts';
import { MemorySource } from './support/http-memory-source.ts';

const TOKEN = 'k3y-for-the-api_0123456789';
type Schema = Record<string, any>;

let store: Store;
let server: HttpServer;
let deps: ApiDeps;
before(async () => {
  store = await openStore({ dataDir: ':memory:', sweepIntervalMs: 0 });
  const { logger } = recordingLogger();
  deps = {
    store, logger, baseUrl: 'https://dl.example.org', apiToken: TOKEN, allowedIps: null,
    bot: () => ({ id: '7000', username: 'stream_bot' }), activeStreams: () => 1, startedAt: Date.now(),
    sessions: () => [
      { index: 0, state: 'ready', inFlight: 0, abandoned: 0, linksDown: [], lastProgressAt: Date.now(), completed: 1, restarts: 0, username: 'stream_bot' },
      { index: 1, state: 'flood-wait', floodUntil: Date.now() + 9000, inFlight: 0, abandoned: 0, linksDown: [2], lastProgressAt: 0, completed: 0, restarts: 1, lastError: { code: 'FLOOD_WAIT', message: 'wait' } },
    ],
    renewFile: async (id) => {
      const file = await store.getFile(id);
      return file && { ...file, id: 'RENEWEDid123' };
    },
  };
  server = await createHttpServer({ source: new MemorySource(), host: '127.0.0.1', port: 0, logger, routes: apiRoutes(deps) });
});
after(async () => {
  await server.close();
  await store.close();
});

async function call(method: string, path: string, body?: string): Promise<{ status: number; json: any }> {
  const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` };
  if (body) headers['content-type'] = 'application/json';
  const res = await fetch(`http://127.0.0.1:${server.port}${path}`, { method, headers, body });
  return { status: res.status, json: await res.json() };
}

/** `/api/files/:id` → `/api/files/{id}` */
const openApiPath = (pattern: string) => pattern.replace(/:([A-Za-z_]+)/g, '{$1}');

test('the document is valid OpenAPI 3.1', async () => {
  const validator = new Validator();
  const result = await validator.validate(openApiDocument() as Schema);
  assert.deepEqual(result.errors, undefined);
  assert.equal(result.valid, true);
  assert.equal(validator.version, '3.1');
});

test('a broken document fails the same validation (the check can fail)', async () => {
  const broken = openApiDocument() as Schema;
  broken.paths['/api/stats'].get.responses = 'none';
  assert.equal((await new Validator().validate(broken)).valid, false);
});

test('every mounted route and method is described, and nothing else', () => {
  const doc = openApiDocument() as Schema;
  const mounted = apiRoutes(deps).flatMap((r) => r.methods.map((m) => `${m.toUpperCase()} ${openApiPath(r.pattern)}`)).sort();
  const described = Object.entries(doc.paths as Schema).flatMap(([path, item]) =>
    Object.keys(item).filter((k) => ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'].includes(k)).map((m) => `${m.toUpperCase()} ${path}`),
  ).sort();
  assert.deepEqual(described, mounted);
  for (const r of apiRoutes(deps)) assert.equal(r.kind, 'api', r.name);
});

test('every error code is in the Error schema and named in a documented response', () => {
  const doc = openApiDocument() as Schema;
  assert.deepEqual(doc.components.schemas.Error.properties.error.properties.code.enum, Object.keys(API_ERROR_STATUS));
  const descriptions = JSON.stringify(doc.components.responses);
  for (const code of Object.keys(API_ERROR_STATUS)) assert.ok(descriptions.includes(code), `${code} is named in a response description`);
});

test('/api/openapi.json serves the document with this server\'s URL', async () => {
  const res = await fetch(`http://127.0.0.1:${server.port}/api/openapi.json`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  assert.deepEqual(await res.json(), { ...openApiDocument(), servers: [{ url: 'https://dl.example.org' }] });
});

/** The reasons `value` does not fit `schema` (a strict reading: no member outside `properties`). */
function misfits(value: unknown, schema: Schema, at = '$'): string[] {
  if (schema.allOf) {
    const merged = { type: 'object', required: schema.allOf.flatMap((s: Schema) => s.required ?? []), properties: Object.assign({}, ...schema.allOf.map((s: Schema) => s.properties)) };
    return misfits(value, merged, at);
  }
  if (schema.enum && !schema.enum.includes(value)) return [`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`];
  const types: string[] = schema.type === undefined ? [] : [schema.type].flat();
  const kind = value === null ? 'null' : Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value;
  if (types.length && !types.includes(kind) && !(kind === 'integer' && types.includes('number'))) return [`${at}: a ${kind}, expected ${types.join(' or ')}`];
  if (kind === 'array' && schema.items) return (value as unknown[]).flatMap((v, i) => misfits(v, schema.items, `${at}[${i}]`));
  if (kind !== 'object' || !schema.properties) return [];
  const obj = value as Record<string, unknown>;
  const out = (schema.required ?? []).filter((k: string) => !(k in obj)).map((k: string) => `${at}.${k}: missing`);
  for (const [k, v] of Object.entries(obj)) {
    out.push(...(schema.properties[k] ? misfits(v, schema.properties[k], `${at}.${k}`) : [`${at}.${k}: not described`]));
  }
  return out;
}

test('the endpoints answer with the shapes the document describes', async () => {
  const validator = new Validator();
  await validator.validate(openApiDocument() as Schema);
  const doc = validator.resolveRefs() as Schema;
  await store.upsertUser({ userId: 42, username: 'alice' });
  const file = await store.registerFile({ messageId: 1, userId: 42, fileName: 'a.mp4', fileSize: 10, fileType: 'video', mimeType: 'video/mp4', isVideo: true, title: 'Hi' });
  const cases: Array<[string, string, string, string?]> = [
    ['GET', '/api/info', '/api/info'],
    ['GET', '/api/stats', '/api/stats'],
    ['GET', '/api/files?user=42', '/api/files'],
    ['GET', '/api/files?user=42&limit=0', '/api/files'],
    ['GET', `/api/files/${file.id}`, '/api/files/{id}'],
    ['GET', '/api/files/ZZZZZZZZZZZZ', '/api/files/{id}'],
    ['DELETE', `/api/files/${file.id}`, '/api/files/{id}'],
    ['POST', `/api/files/${file.id}/renew`, '/api/files/{id}/renew'],
    ['GET', '/api/users/42', '/api/users/{id}'],
    ['PATCH', '/api/users/42', '/api/users/{id}', '{"banned": true}'],
    ['PATCH', '/api/users/42', '/api/users/{id}', '{"banned": 1}'],
    ['GET', '/api/sessions', '/api/sessions'],
  ];
  for (const [method, url, path, body] of cases) {
    const r = await call(method, url, body);
    const response = doc.paths[path][method.toLowerCase()].responses[String(r.status)];
    assert.ok(response, `${method} ${url} answered ${r.status}, which the document does not list`);
    const schema = response.content['application/json'].schema;
    assert.deepEqual(misfits(r.json, schema), [], `${method} ${url} (${r.status})`);
  }
});
