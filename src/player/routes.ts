// GET|HEAD /watch/:id/:name: the watch page of a stored file; /assets/player.js and /assets/player.css.
import type { Logger } from 'pino';
import { fileLinks } from '../links/index.ts';
import type { HeaderList, Route, RouteRequest, RouteResponse } from '../http/routes/types.ts';
import type { MediaInfo, MediaProbe } from '../media-probe/index.ts';
import type { Store } from '../store/index.ts';
import { isRefusal, type FileSource } from '../streaming/types.ts';
import { assetRoutes, assetUrls } from './assets.ts';
import { renderMessagePage, renderWatchPage } from './page.ts';

export interface PlayerRoutesDeps {
  source: FileSource;
  store: Store;
  /** Public origin (and optional path prefix) the server is reachable at, as for fileLinks(). */
  baseUrl: string;
  probe: MediaProbe;
  logger: Logger;
  /** How long a page waits for a first probe of its file before it is sent without duration, resolution and
   *  codecs (the probe goes on and is cached for the next visit); default 3000. */
  probeWaitMs?: number;
}

/** The external player that takes a stream link. */
export const EXTERNAL_PLAYER = 'https://cricster.pages.dev';

const HTML = 'text/html; charset=utf-8';
const DEFAULT_PROBE_WAIT_MS = 3000;

export function externalPlayerUrl(streamUrl: string): string {
  return `${EXTERNAL_PLAYER}?stream=${encodeURIComponent(streamUrl)}`;
}

export function playerRoutes(deps: PlayerRoutesDeps): Route[] {
  const base = new URL(deps.baseUrl);
  const assets = assetUrls(base.pathname.replace(/\/+$/, ''));
  const probeWaitMs = deps.probeWaitMs ?? DEFAULT_PROBE_WAIT_MS;
  const logger = deps.logger.child({ component: 'player' });

  const page = (status: number, body: string, extra: HeaderList = []): RouteResponse => ({
    status,
    // Pages follow the file's state (revoked, renamed): never cached.
    headers: [['Content-Type', HTML], ['Cache-Control', 'no-store'], ...extra],
    body,
  });

  const probeWithin = async (id: string): Promise<MediaInfo | null> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(resolve, probeWaitMs, null);
    });
    try {
      return await Promise.race([deps.probe.probe(id).catch((err: unknown) => (logger.warn({ err, id }, 'probe failed'), null)), late]);
    } finally {
      clearTimeout(timer);
    }
  };

  const watch = async (req: RouteRequest): Promise<RouteResponse> => {
    const id = req.params.id ?? '';
    const info = await deps.source.stat(id);
    if (info === null) return page(404, renderMessagePage('File not found', 'There is no file at this link. Check that it was copied whole.', assets));
    if (isRefusal(info)) {
      const { status, title, message, retryAfterS } = info.refused;
      return page(status, renderMessagePage(title, message, assets), retryAfterS !== undefined ? [['Retry-After', String(retryAfterS)]] : []);
    }
    const [record, media] = await Promise.all([deps.store.getFile(id), probeWithin(id)]);
    const fileName = record?.fileName || info.fileName;
    const links = fileLinks(deps.baseUrl, id, fileName);
    return page(
      200,
      renderWatchPage({
        title: record?.title || fileName,
        fileName,
        size: info.size,
        mimeType: info.mimeType,
        streamUrl: links.stream,
        downloadUrl: links.download,
        externalUrl: externalPlayerUrl(links.stream),
        media,
        assets,
      }),
    );
  };

  const watchRoute = (pattern: string): Route => ({ name: 'player.watch', kind: 'page', pattern, methods: ['get'], handle: watch });
  return [watchRoute('/watch/:id'), watchRoute('/watch/:id/:name'), ...assetRoutes()];
}
