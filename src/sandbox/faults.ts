// Network faults one DC can be told to have, as a real network has them: answers delayed and reordered, answers
// gathered in a container and written in pieces, too many connections (transport error -429), and a connection
// reset half-way through a packet.

export interface AnswerDelay {
  minMs: number;
  maxMs: number;
}

export interface SplitWrites {
  /** Pieces each packet is cut into at random points, one TCP write each. */
  pieces: number;
  /** Pause between pieces, so the client reads them separately. */
  gapMs: number;
}

export interface DcFaultState {
  delayAnswers: AnswerDelay | null;
  splitWrites: SplitWrites | null;
  connectionLimit: number | null;
  /** Connections refused with -429 since the limit was set. */
  refusedConnections: number;
  /** Answers cut half-way with the socket destroyed right after. */
  resetsPending: number;
  resetsDone: number;
  /** Answers sent before the answer of an earlier request on the same connection. */
  reorderedAnswers: number;
  /** msg_containers the DC sent while splitting writes. */
  containersSent: number;
}

export class DcFaults {
  delayAnswers: AnswerDelay | null = null;
  splitWrites: SplitWrites | null = null;
  connectionLimit: number | null = null;
  refusedConnections = 0;
  resetsPending = 0;
  resetsDone = 0;
  reorderedAnswers = 0;
  containersSent = 0;

  setDelay(delay: AnswerDelay | null): void {
    if (delay !== null) {
      const { minMs, maxMs } = delay ?? {};
      if (!(Number.isFinite(minMs) && Number.isFinite(maxMs) && minMs >= 0 && maxMs >= minMs)) {
        throw new RangeError(`delayAnswers: need 0 ≤ minMs ≤ maxMs (got minMs ${minMs}, maxMs ${maxMs}); null removes the delay`);
      }
    }
    this.delayAnswers = delay === null ? null : { minMs: delay.minMs, maxMs: delay.maxMs };
  }

  /** A delay drawn for one answer; answers of requests in flight together come back in a shuffled order. */
  answerDelayMs(): number {
    const d = this.delayAnswers;
    return d ? d.minMs + Math.random() * (d.maxMs - d.minMs) : 0;
  }

  setSplit(split: Partial<SplitWrites> | null): void {
    if (split === null) {
      this.splitWrites = null;
      return;
    }
    const pieces = split?.pieces ?? 3;
    const gapMs = split?.gapMs ?? 2;
    if (!(Number.isInteger(pieces) && pieces >= 2 && pieces <= 64)) throw new RangeError(`splitWrites: pieces must be an integer from 2 to 64 (got ${pieces})`);
    if (!(Number.isFinite(gapMs) && gapMs >= 0)) throw new RangeError(`splitWrites: gapMs must be a number ≥ 0 (got ${gapMs})`);
    this.splitWrites = { pieces, gapMs };
  }

  setConnectionLimit(n: number | null): void {
    if (n !== null && !(Number.isInteger(n) && n >= 0)) throw new RangeError(`limitConnections: n must be an integer ≥ 0 (got ${n}); null removes the limit`);
    this.connectionLimit = n;
    this.refusedConnections = 0;
  }

  state(): DcFaultState {
    return {
      delayAnswers: this.delayAnswers, splitWrites: this.splitWrites, connectionLimit: this.connectionLimit,
      refusedConnections: this.refusedConnections, resetsPending: this.resetsPending, resetsDone: this.resetsDone,
      reorderedAnswers: this.reorderedAnswers, containersSent: this.containersSent,
    };
  }
}

/** Cuts a framed packet at random points into up to `pieces` non-empty pieces (cut mid-header too when short). */
export function splitPieces(data: Buffer, pieces: number): Buffer[] {
  const cuts = new Set<number>();
  const n = Math.min(pieces - 1, data.length - 1);
  while (cuts.size < n) cuts.add(1 + Math.floor(Math.random() * (data.length - 1)));
  const points = [0, ...[...cuts].sort((a, b) => a - b), data.length];
  return points.slice(1).map((end, i) => data.subarray(points[i]!, end));
}
