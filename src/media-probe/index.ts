// Media probe: container, duration, resolution and codecs of a stored file, read from its headers.
export { createMediaProbe, probeKey, type MediaProbe, type MediaProbeOptions } from './probe.ts';
export { parseMedia } from './parse.ts';
export type { MediaInfo } from './types.ts';
