// The HTML of the watch page and of its error pages. Everything that came from a user or from file bytes goes
// through escapeHtml; scripts and styles are assets (the security policy allows no inline script).
import type { MediaInfo } from '../media-probe/index.ts';
import { codecLabel, escapeHtml, formatBytes, formatDuration } from './format.ts';

export interface AssetUrls {
  script: string;
  style: string;
}

export interface WatchPageData {
  title: string;
  fileName: string;
  size: number;
  mimeType: string;
  streamUrl: string;
  downloadUrl: string;
  externalUrl: string;
  media: MediaInfo | null;
  assets: AssetUrls;
}

export type MediaElement = 'video' | 'audio' | null;

/** Audio MIME types (or an audio-only probe) get <audio>; video and anything the probe recognised get <video>. */
export function mediaElement(mimeType: string, media: MediaInfo | null): MediaElement {
  if (mimeType.startsWith('audio/')) return 'audio';
  if (media && media.audioCodec && !media.videoCodec && !media.width) return 'audio';
  if (mimeType.startsWith('video/') || media) return 'video';
  return null;
}

function head(title: string, assets: AssetUrls): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<meta property="og:title" content="${escapeHtml(title)}">
<link rel="stylesheet" href="${escapeHtml(assets.style)}">
<script src="${escapeHtml(assets.script)}" defer></script>
</head>`;
}

function facts(d: WatchPageData): string {
  const rows: [string, string][] = [['Size', formatBytes(d.size)]];
  const m = d.media;
  if (m?.durationSeconds !== undefined) rows.push(['Duration', formatDuration(m.durationSeconds)]);
  if (m?.width && m.height) rows.push(['Resolution', `${m.width}×${m.height}`]);
  if (m?.videoCodec) rows.push(['Video', codecLabel(m.videoCodec)]);
  if (m?.audioCodec) rows.push(['Audio', codecLabel(m.audioCodec)]);
  return rows.map(([k, v]) => `<div><dt>${k}</dt><dd data-fact="${k.toLowerCase()}">${escapeHtml(v)}</dd></div>`).join('');
}

function player(d: WatchPageData): string {
  const kind = mediaElement(d.mimeType, d.media);
  if (!kind) return '<p class="note">This file has no preview. Download it to open it.</p>';
  const src = escapeHtml(d.streamUrl);
  const size = kind === 'video' && d.media?.width && d.media.height ? ` width="${d.media.width}" height="${d.media.height}"` : '';
  return `<${kind} id="media" data-media controls playsinline preload="metadata"${size} src="${src}"></${kind}>
<p id="playback-error" class="note" hidden>This browser cannot play this file. Download it, or open the stream link in a player such as VLC.</p>`;
}

export function renderWatchPage(d: WatchPageData): string {
  const subtitle = d.title !== d.fileName ? `<p class="file-name">${escapeHtml(d.fileName)}</p>` : '';
  return `${head(d.title, d.assets)}
<body>
<main class="watch">
${player(d)}
<h1>${escapeHtml(d.title)}</h1>
${subtitle}
<dl class="facts">${facts(d)}</dl>
<div class="actions">
<a class="button primary" href="${escapeHtml(d.downloadUrl)}" download>Download</a>
<button type="button" class="button" data-copy="${escapeHtml(d.streamUrl)}">Copy stream link</button>
<a class="button" href="${escapeHtml(d.externalUrl)}" target="_blank" rel="noopener noreferrer">Open in Cricster</a>
</div>
<label class="link">Stream link <input type="text" readonly value="${escapeHtml(d.streamUrl)}" data-link></label>
<p class="copy-status" role="status" aria-live="polite" data-copy-status></p>
</main>
</body>
</html>
`;
}

/** A short page for a link that serves nothing: unknown, revoked, over quota. */
export function renderMessagePage(title: string, message: string, assets: AssetUrls): string {
  return `${head(title, assets)}
<body>
<main class="watch message">
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(message)}</p>
</main>
</body>
</html>
`;
}
