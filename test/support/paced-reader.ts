// A client that reads at a fixed rate: after each chunk it pauses the socket until its byte budget catches up, as a
// player does that buffers ahead and then reads at the video's bitrate.
import type { Socket } from 'node:net';

export interface Pacer {
  /** Counts `bytes` just received and pauses the socket while the reader is ahead of its rate. */
  took(bytes: number): void;
  /** Cancels a pending resume (on close). */
  stop(): void;
}

export function pace(socket: Socket, bytesPerSecond: number, startedAt = Date.now()): Pacer {
  let received = 0;
  let resumeTimer: NodeJS.Timeout | null = null;
  return {
    took(bytes) {
      received += bytes;
      const ahead = startedAt + (received / bytesPerSecond) * 1000 - Date.now();
      if (ahead <= 0) return;
      socket.pause();
      resumeTimer = setTimeout(() => {
        resumeTimer = null;
        socket.resume();
      }, ahead);
    },
    stop() {
      if (resumeTimer) clearTimeout(resumeTimer);
      resumeTimer = null;
    },
  };
}
