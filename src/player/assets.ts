// The player's script and stylesheet, served by us (no CDN) with a content hash in their URLs so a new version is
// never hidden by a cached old one.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Route, RouteRequest, RouteResponse } from '../http/routes/types.ts';
import type { AssetUrls } from './page.ts';

interface Asset {
  path: string;
  contentType: string;
  body: Buffer;
  etag: string;
}

function load(name: string, contentType: string): Asset {
  const body = readFileSync(new URL(`./assets/${name}`, import.meta.url));
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"`;
  return { path: `/assets/${name}`, contentType, body, etag };
}

const SCRIPT = load('player.js', 'text/javascript; charset=utf-8');
const STYLE = load('player.css', 'text/css; charset=utf-8');

/** Paths only (no origin), so the page loads them from its own origin as `script-src 'self'` requires. */
export function assetUrls(basePath: string): AssetUrls {
  const url = (a: Asset) => `${basePath}${a.path}?v=${a.etag.slice(1, -1)}`;
  return { script: url(SCRIPT), style: url(STYLE) };
}

function serve(asset: Asset, req: RouteRequest): RouteResponse {
  const headers: [string, string][] = [
    ['Content-Type', asset.contentType],
    ['ETag', asset.etag],
    // Versioned URLs change with the content, so a day-long cache is safe even for unversioned requests.
    ['Cache-Control', 'public, max-age=86400'],
  ];
  if (req.headers['if-none-match']?.split(/\s*,\s*/).includes(asset.etag)) return { status: 304, headers };
  return { status: 200, headers, body: asset.body };
}

export function assetRoutes(): Route[] {
  return [SCRIPT, STYLE].map((asset) => ({
    name: `player.asset.${asset.path.slice(asset.path.lastIndexOf('.') + 1)}`,
    kind: 'asset' as const,
    pattern: asset.path,
    methods: ['get'],
    handle: (req: RouteRequest) => serve(asset, req),
  }));
}
