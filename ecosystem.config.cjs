// pm2 process file: `npm run start:pm2` (or `pm2 start ecosystem.config.cjs`). StreamBot reads its own settings from
// the environment pm2 is started with (README.md, "Running against Telegram"); the ones below are pm2's.
//
//   MAX_MEMORY_RESTART      restart when the process (main thread and every session worker) passes this; default a
//                           quarter above MEMORY_LIMIT_MB (where StreamBot lowers its own read-ahead), else 1536M
//   SHUTDOWN_GRACE_SECONDS  how long StreamBot takes to shut down gracefully; pm2 waits this plus a margin; default 30
//   LOG_DIR                 where pm2 writes StreamBot's stdout and stderr; default ./logs
const path = require('node:path');
const fs = require('node:fs');

// pm2's own settings may sit in the same .env as StreamBot's (which StreamBot reads itself); the environment wins.
const envFile = path.resolve(__dirname, process.env.ENV_FILE || '.env');
if (fs.existsSync(envFile)) process.loadEnvFile(envFile);

function seconds(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,6}$/.test(raw)) throw new RangeError(`${name} must be a whole number of seconds, decimal digits only (got "${raw}")`);
  return Number(raw);
}

function memory(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  // pm2's own notation: a number of bytes, or with K, M or G.
  if (!/^\d{1,12}[KMG]?$/.test(raw)) throw new RangeError(`${name} must be bytes or a number with K, M or G, e.g. 1536M (got "${raw}")`);
  return raw;
}

// StreamBot gives memory back by itself near MEMORY_LIMIT_MB; pm2 restarts only well past it.
const appLimitMb = /^\d{1,7}$/.test(process.env.MEMORY_LIMIT_MB ?? '') ? Number(process.env.MEMORY_LIMIT_MB) : null;
const defaultMemory = appLimitMb ? `${Math.ceil(appLimitMb * 1.25)}M` : '1536M';

// pm2 would start a missing script and restart it forever; a clear word at `pm2 start` is more use.
const MAIN = 'dist/src/main.js';
if (!fs.existsSync(path.join(__dirname, MAIN))) throw new Error(`${MAIN} is missing: run \`npm run build\` first`);

const logDir = path.resolve(__dirname, process.env.LOG_DIR || 'logs');
// SIGKILL only once StreamBot had the time to finish its shutdown (streams closed, usage flushed, store closed).
const SHUTDOWN_MARGIN_SECONDS = 10;

module.exports = {
  apps: [
    {
      name: 'streambot',
      cwd: __dirname,
      // The compiled app (`npm run build`), as `npm start` runs it but without npm standing between pm2's signals
      // and StreamBot: pm2 must watch (and kill) the app itself, as one process. interpreter 'none' keeps pm2's own
      // wrapper out of the process.
      script: 'node',
      args: [MAIN],
      interpreter: 'none',
      // Sessions are worker threads of this one process: more instances would be more bots logging in, not more
      // capacity, and cluster mode would share the port between unrelated processes.
      exec_mode: 'fork',
      instances: 1,
      autorestart: true,
      // 100 ms, then ×1.5 per crash up to pm2's 15 s ceiling; back to 100 ms once the process has stayed up for 30 s.
      exp_backoff_restart_delay: 100,
      // Exit code 2 is a configuration StreamBot refuses (src/main.ts): restarting cannot fix it.
      stop_exit_codes: [2],
      max_memory_restart: memory('MAX_MEMORY_RESTART', defaultMemory),
      kill_timeout: (seconds('SHUTDOWN_GRACE_SECONDS', 30) + SHUTDOWN_MARGIN_SECONDS) * 1000,
      out_file: path.join(logDir, 'streambot.out.log'),
      error_file: path.join(logDir, 'streambot.err.log'),
      merge_logs: true,
      // pino already stamps every line.
      time: false,
      env: { NODE_ENV: 'production' },
    },
  ],
};
