// What a bench scenario is and what it reports. A scenario starts its own processes and stops them; it reports
// tables for the Markdown, figures for the JSON, and every figure it should have produced but could not (`missing`),
// which fails the run: a scenario that silently produced nothing would read as a pass.

export type Cell = string | number | null;

export interface Table {
  caption?: string;
  columns: string[];
  rows: Cell[][];
}

export interface ScenarioReport {
  name: string;
  title: string;
  tables: Table[];
  figures: Record<string, unknown>;
  missing: string[];
  notes: string[];
  seconds: number;
}

export interface ScenarioContext {
  quick: boolean;
  log(msg: string): void;
}

export interface Scenario {
  name: string;
  title: string;
  run(ctx: ScenarioContext): Promise<Omit<ScenarioReport, 'name' | 'title' | 'seconds'>>;
}

/** Names every null, NaN or non-finite figure in the tables, so a scenario cannot report a hole as a result. */
export function holes(tables: Table[]): string[] {
  const out: string[] = [];
  for (const t of tables) {
    for (const row of t.rows) {
      row.forEach((cell, i) => {
        if (cell === null || (typeof cell === 'number' && !Number.isFinite(cell))) out.push(`${t.caption ?? 'table'}: ${String(row[0])}: no ${t.columns[i]}`);
      });
    }
  }
  return out;
}
