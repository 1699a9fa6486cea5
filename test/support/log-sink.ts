// A pino destination that keeps the lines it is given, parsed when they are JSON.
export interface LogSink {
  lines: string[];
  records(): Record<string, any>[];
  write(line: string): void;
}

export function logSink(): LogSink {
  const lines: string[] = [];
  return {
    lines,
    records: () => lines.map((l) => JSON.parse(l) as Record<string, any>),
    write(line) { lines.push(line); },
  };
}
