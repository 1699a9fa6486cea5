// What the probe reports about a media file, and the bytes it parses.

export interface MediaInfo {
  container: 'mp4' | 'matroska' | 'webm' | 'avi';
  durationSeconds?: number;
  width?: number;
  height?: number;
  /** As the container names it: an MP4 sample entry (avc1, hvc1), a Matroska CodecID (V_VP9), an AVI fourcc. */
  videoCodec?: string;
  audioCodec?: string;
  /** MP4 only: the index (moov) comes before the media data, so playback can start before the whole file is read. */
  faststart?: boolean;
}

/** Pieces of one file, by offset: what the main thread read and hands to a parser. */
export interface ByteSegment {
  offset: number;
  bytes: Uint8Array;
}

export interface ParseTask {
  /** The file's full size, so a parser can tell "the file ends here" from "these bytes were not read". */
  size: number;
  segments: ByteSegment[];
}
