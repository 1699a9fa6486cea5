// `npm run build`: compiles src/ and actors/ to plain JavaScript under dist/ (tsconfig.build.json), in the same
// layout, and copies beside them the files the code reads or starts from disk relative to itself (the worker shims,
// the player's assets). Production runs dist/ with plain node: no TypeScript loader in the main thread or in any
// worker thread.
//
//   node scripts/build.mjs                  build into dist/
//   node scripts/build.mjs --if-stale       build only when dist/ is missing or older than the sources (prestart)
//   node scripts/build.mjs --out-dir <dir>  build elsewhere (tests)
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const defaultOutDir = join(root, 'dist');
/** The trees compiled; everything the app and its workers import at run time lives in them. */
const SOURCE_DIRS = ['src', 'actors'];
/** Besides the sources, what changes the output. */
const CONFIG_FILES = ['tsconfig.json', 'tsconfig.build.json', 'package.json', 'scripts/build.mjs'];
/** Written last: its time is the build's, so a build that stopped half way never looks fresh. */
const STAMP = '.build-stamp';

function* filesUnder(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else if (entry.isFile()) yield path;
  }
}

const isTypeScript = (path) => /\.(c|m)?ts$/.test(path);

/** Why dist/ cannot be run as it is (missing, or a source newer than the last build), or null when it is current. */
export function staleReason(outDir = defaultOutDir) {
  const stamp = join(outDir, STAMP);
  if (!existsSync(stamp)) return `${relative(root, outDir) || outDir} has no complete build`;
  const built = statSync(stamp).mtimeMs;
  const inputs = [...SOURCE_DIRS.flatMap((d) => [...filesUnder(join(root, d))]), ...CONFIG_FILES.map((f) => join(root, f))];
  const newer = inputs.find((f) => existsSync(f) && statSync(f).mtimeMs > built);
  return newer ? `${relative(root, newer)} changed since the last build` : null;
}

function findTsc() {
  try {
    return createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    return null;
  }
}

export function build(outDir = defaultOutDir) {
  const tsc = findTsc();
  if (tsc === null) throw new Error('building needs typescript, a dev dependency: run `npm ci` (not `npm ci --omit=dev`), then `npm run build`');
  rmSync(outDir, { recursive: true, force: true });
  const run = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', outDir], { cwd: root, stdio: 'inherit' });
  if (run.status !== 0) throw new Error(`tsc -p tsconfig.build.json failed (exit code ${run.status ?? run.signal})`);
  for (const dir of SOURCE_DIRS) {
    for (const file of filesUnder(join(root, dir))) {
      if (isTypeScript(file)) continue;
      const target = join(outDir, relative(root, file));
      mkdirSync(dirname(target), { recursive: true });
      cpSync(file, target);
    }
  }
  // The compiled files are ES modules wherever dist/ is put, even without the repository's package.json above it.
  writeFileSync(join(outDir, 'package.json'), `${JSON.stringify({ type: 'module' })}\n`);
  writeFileSync(join(outDir, STAMP), `${new Date().toISOString()}\n`);
}

/** Builds unless dist/ is current; returns what it did, for a log line. */
export function ensureBuilt(outDir = defaultOutDir) {
  const reason = staleReason(outDir);
  if (reason === null) return 'up to date';
  // An install without dev dependencies runs the build it was given rather than none at all.
  if (findTsc() === null && existsSync(join(outDir, STAMP))) return `kept as built: ${reason}, and typescript is not installed to build again`;
  build(outDir);
  return `built (${reason})`;
}

function parseArgs(argv) {
  const o = { ifStale: false, outDir: defaultOutDir };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--if-stale') o.ifStale = true;
    else if (argv[i] === '--out-dir' && argv[i + 1]) o.outDir = resolve(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}; usage: node scripts/build.mjs [--if-stale] [--out-dir <dir>]`);
  }
  return o;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const o = parseArgs(process.argv.slice(2));
    const started = Date.now();
    const what = o.ifStale ? ensureBuilt(o.outDir) : (build(o.outDir), 'built');
    console.error(`${relative(root, o.outDir) || o.outDir}: ${what} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
