// Text helpers for the player's pages: HTML escaping and human-readable sizes, durations and codec names.

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Safe in element content and in quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** 1536 → "1.5 KB" (powers of 1024, as file managers show them). */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ${UNITS[unit]}`;
}

/** 3725.4 → "1:02:05"; 65 → "1:05". */
export function formatDuration(seconds: number): string {
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

// Container codec names (MP4 sample entries, Matroska CodecIDs, AVI fourccs) as people know them.
const CODECS: Record<string, string> = {
  avc1: 'H.264', avc3: 'H.264', H264: 'H.264', h264: 'H.264', X264: 'H.264', 'V_MPEG4/ISO/AVC': 'H.264',
  hvc1: 'H.265', hev1: 'H.265', 'V_MPEGH/ISO/HEVC': 'H.265',
  av01: 'AV1', V_AV1: 'AV1', vp08: 'VP8', V_VP8: 'VP8', vp09: 'VP9', V_VP9: 'VP9',
  FMP4: 'MPEG-4 Part 2', XVID: 'MPEG-4 Part 2', DIVX: 'MPEG-4 Part 2', DX50: 'MPEG-4 Part 2', mp4v: 'MPEG-4 Part 2', 'V_MPEG4/ISO/ASP': 'MPEG-4 Part 2',
  mp4a: 'AAC', A_AAC: 'AAC', aac: 'AAC', Opus: 'Opus', A_OPUS: 'Opus', A_VORBIS: 'Vorbis', fLaC: 'FLAC', A_FLAC: 'FLAC',
  'ac-3': 'AC-3', A_AC3: 'AC-3', ac3: 'AC-3', 'ec-3': 'E-AC-3', A_EAC3: 'E-AC-3', A_DTS: 'DTS', dts: 'DTS',
  '.mp3': 'MP3', mp3: 'MP3', 'A_MPEG/L3': 'MP3', pcm: 'PCM', A_PCM: 'PCM',
};

export function codecLabel(codec: string): string {
  return CODECS[codec] ?? CODECS[codec.replace(/\/.*$/, '')] ?? codec;
}
