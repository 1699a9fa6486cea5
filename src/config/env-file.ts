// `.env` support: the file in the working directory (or the one ENV_FILE names) is loaded into process.env with
// Node's own loader, and variables already in the environment win over it. Node's parser skips a line it cannot
// read without a word, and a stray line can swallow the next assignment into a bogus name, so the file is checked
// first and every such line reported by number (never quoted: it may hold a secret).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const ENV_FILE_VARIABLES = ['ENV_FILE'] as const;

const ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/;
const QUOTES = ['"', "'", '`'];

/** Descriptions of the lines of a dotenv text that are neither blank, a comment nor a NAME=value assignment. */
export function envFileProblems(text: string): string[] {
  const lines = text.split(/\r?\n/);
  const problems: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*(#|$)/.test(line)) continue;
    const match = ASSIGNMENT.exec(line);
    if (!match) {
      problems.push(`line ${i + 1} is not a NAME=value line: write it as NAME=value (the name in letters, digits and _), or start it with # to keep it as a comment`);
      continue;
    }
    const value = match[2]!;
    const quote = value[0]!;
    if (!QUOTES.includes(quote) || value.indexOf(quote, 1) > 0) continue;
    // A quoted value may go on over several lines, up to its closing quote.
    let end = i + 1;
    while (end < lines.length && !lines[end]!.includes(quote)) end++;
    if (end === lines.length) problems.push(`line ${i + 1}: the ${quote} opening the value of ${match[1]} is never closed: close it, or drop the quote`);
    else i = end;
  }
  return problems;
}

/**
 * Loads ENV_FILE, else `.env` in the working directory, into process.env; a missing `.env` is fine, a missing
 * ENV_FILE is not. Returns the problems, each naming the file.
 */
export function loadEnvFile(cwd: string = process.cwd()): string[] {
  const named = process.env.ENV_FILE?.trim();
  const path = resolve(cwd, named || '.env');
  const label = named ? `ENV_FILE ${path}` : `.env (${path})`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return named ? [`ENV_FILE names ${path}, which does not exist: correct the path, or leave ENV_FILE unset to read .env`] : [];
    return [`${label} cannot be read (${code ?? (err as Error).message}): make it a readable file${named ? ', or leave ENV_FILE unset' : ''}`];
  }
  // Node's own loader; it leaves variables that are already set alone.
  process.loadEnvFile(path);
  return envFileProblems(text).map((problem) => `${label} ${problem}`);
}
