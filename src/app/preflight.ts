// Checks of the configuration that need I/O, run once at start so that a bad address, directory or sandbox URL
// stops StreamBot with the variable named instead of a stack trace or a hang later on. Every check is bounded by a
// timeout, and every problem is reported at once, like loadConfig.
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { lookup } from 'node:dns/promises';
import { createServer, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ConfigError, redactedHttpUrl, type AppConfig } from '../config/index.ts';
import type { SandboxEndpoint } from '../sandbox/client.ts';

export interface PreflightOptions {
  /** Bound of each check; a check still running after it is reported as a problem. Default 5000. */
  timeoutMs?: number;
}

export interface PreflightResult {
  /** The sandbox's endpoint when SANDBOX_URL is set, fetched already (pass it to startApp). */
  sandbox?: SandboxEndpoint;
}

type Problem = string | null;

const errCode = (err: unknown) => (err as NodeJS.ErrnoException)?.code ?? (err as Error)?.message ?? String(err);

function bounded<T>(check: Promise<T>, ms: number, onTimeout: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((ok) => {
    timer = setTimeout(() => ok(onTimeout()), ms);
  });
  return Promise.race([check, timeout]).finally(() => clearTimeout(timer));
}

function localAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address));
}

/** A trial listen on the configured address and port: the HTTP server would fail the same way, only later. */
export async function checkBindAddress(host: string, port: number): Promise<Problem> {
  let address = host;
  if (!isIP(host)) {
    try {
      address = (await lookup(host)).address;
    } catch (err) {
      return `BIND_ADDRESS ${host} does not resolve (${errCode(err)}): use an IP address of this machine, 0.0.0.0 (all IPv4 interfaces) or :: (all)`;
    }
  }
  return new Promise<Problem>((done) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      switch (err.code) {
        case 'EADDRNOTAVAIL':
        case 'EINVAL':
          return done(`BIND_ADDRESS ${host}${address !== host ? ` (${address})` : ''} is not an address of this machine: use one of ${localAddresses().join(', ')}, or 0.0.0.0 (all IPv4 interfaces) or :: (all)`);
        case 'EAFNOSUPPORT':
          return done(`BIND_ADDRESS ${host} is an IPv6 address but this machine has no IPv6: use 0.0.0.0 or an IPv4 address`);
        case 'EADDRINUSE':
          return done(`PORT ${port} is already in use on ${host}: stop the other server or choose another PORT`);
        case 'EACCES':
          return done(`PORT ${port} needs privileges on ${host}: use a PORT from 1024 up (behind a reverse proxy) or grant CAP_NET_BIND_SERVICE`);
        default:
          return done(`BIND_ADDRESS ${host} with PORT ${port} cannot be listened on (${err.code ?? err.message})`);
      }
    });
    server.listen({ host: address, port, exclusive: true }, () => server.close(() => done(null)));
  });
}

/**
 * Creates DATA_DIR one level at a time and proves it writable. Not mkdir({ recursive: true }): where a parent exists
 * but refuses children with ENOENT (/proc, a dangling symlink), Node's recursive mkdir goes back to the parent, finds
 * it, and retries forever, blocking the thread.
 */
export async function checkDataDir(dir: string): Promise<Problem> {
  const path = resolve(dir);
  const missing: string[] = [];
  let existing = path;
  for (;;) {
    try {
      const st = await stat(existing);
      if (!st.isDirectory()) {
        return existing === path
          ? `DATA_DIR ${dir} is a file, not a directory: point DATA_DIR at a directory (it is created if missing)`
          : `DATA_DIR ${dir} is under ${existing}, which is a file, not a directory: point DATA_DIR at a directory path`;
      }
      break;
    } catch (err) {
      const code = errCode(err);
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || dirname(existing) === existing) return `DATA_DIR ${dir} cannot be inspected (${code}): give the user running StreamBot access to it or choose another directory`;
      missing.unshift(existing);
      existing = dirname(existing);
    }
  }
  for (const level of missing) {
    try {
      await mkdir(level);
    } catch (err) {
      const code = errCode(err);
      if (code === 'EEXIST') continue;
      if (code === 'ENOENT') return `DATA_DIR ${dir} cannot be created: ${dirname(level)} exists but takes no new directories (a virtual file system like /proc, or a broken link): choose a directory on a disk`;
      return `DATA_DIR ${dir} cannot be created (${code}): create it with write access for the user running StreamBot, or choose another directory`;
    }
  }
  const probe = join(path, `.write-test-${process.pid}`);
  try {
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (err) {
    return `DATA_DIR ${dir} is not writable (${errCode(err)}): give the user running StreamBot write access to it, or choose another directory`;
  }
  return null;
}

/** The sandbox's endpoint, or the problem: a sandbox that is not running is the usual cause. */
export async function checkSandbox(url: string, timeoutMs: number): Promise<SandboxEndpoint | string> {
  const shown = redactedHttpUrl(url);
  const fix = 'start it with npm run sandbox (SANDBOX_URL is the control URL it prints) or unset SANDBOX_URL';
  try {
    const res = await fetch(`${url.replace(/\/+$/, '')}/info`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = res.ok ? ((await res.json().catch(() => null)) as { result?: SandboxEndpoint } | null) : null;
    if (!body?.result?.ports || !body.result.rsa) return `SANDBOX_URL ${shown} does not answer like a sandbox DC (HTTP ${res.status} on /info): ${fix}`;
    return body.result;
  } catch (err) {
    const cause = (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : errCode((err as { cause?: unknown }).cause ?? err);
    return `SANDBOX_URL ${shown} is not answering (${cause}): ${fix}`;
  }
}

export async function preflight(config: AppConfig, opts: PreflightOptions = {}): Promise<PreflightResult> {
  const ms = opts.timeoutMs ?? 5000;
  const result: PreflightResult = {};
  const checks: Promise<Problem>[] = [
    bounded(checkBindAddress(config.host, config.port), ms, () => `BIND_ADDRESS ${config.host} could not be checked within ${ms} ms (name lookup or listen hung): use an IP address of this machine`),
  ];
  if (!config.databaseUrl && config.dataDir !== ':memory:') {
    checks.push(bounded(checkDataDir(config.dataDir), ms, () => `DATA_DIR ${config.dataDir} did not answer within ${ms} ms (a hung network mount?): choose a directory on a local disk`));
  }
  if (config.sandboxUrl) {
    const url = config.sandboxUrl;
    checks.push(
      checkSandbox(url, ms).then((answer) => {
        if (typeof answer === 'string') return answer;
        result.sandbox = answer;
        return null;
      }),
    );
  }
  const problems = (await Promise.all(checks)).filter((p): p is string => p !== null);
  if (problems.length) throw new ConfigError(problems.join('\n'));
  return result;
}
