// A Telegram session actor: one gramjs client in its own worker thread, serving the SessionApi (protocol.ts) to the
// supervisor. Blocks are fetched with upload.getFile directly (up to 1 MiB; gramjs's helpers stop at 512 KiB) and
// handed over as transferred ArrayBuffers. FLOOD_WAIT is never slept through here: it goes back to the supervisor,
// which moves the job and rests this session. Neither is a lost DC waited out: calls needing it fail at once
// (link-health.ts) while the session reconnects in the background.
import { createRequire } from 'node:module';
import { exposeSession, postSessionEvent, sessionWorkerData, transferBlock } from './worker-side.ts';
import { installFastCrypto } from './fast-crypto.ts';
import { FastSocket } from './fast-socket.ts';
import { closeClient } from './close-client.ts';
import { PersistentSession } from './persistent-session.ts';
import { LinkHealth } from './link-health.ts';
import { SessionCalls } from './calls.ts';
import { Peers } from './peers.ts';
import { FileCache } from './file-cache.ts';
import { createBotApi } from './bot-api.ts';
import { UpdateFeed } from './update-feed.ts';
import { SessionMeter } from './session-metrics.ts';
import { AuthRevoked, LinkDown, SenderBroken, isAuthRevoked, rpcCodeOf, toActorError } from './gramjs-errors.ts';
import type { BlockRequest, SessionApi, SessionEvent, TelegramSessionSpec } from './protocol.ts';
import { createWorkerLogger } from '../../src/log/worker.ts';
import { igeBackend, igeFallbackReason } from '../../src/crypto/ige.ts';

const require = createRequire(import.meta.url);
const { TelegramClient, Api, errors } = require('telegram') as typeof import('telegram');
const { Raw } = require('telegram/events') as typeof import('telegram/events/index.js');
const { Logger, LogLevel } = require('telegram/extensions/Logger') as typeof import('telegram/extensions/Logger.js');

installFastCrypto();

const { session: spec } = sessionWorkerData<TelegramSessionSpec>();
const log = createWorkerLogger((event) => postSessionEvent(event));
log.debug({ backend: igeBackend(), fallbackReason: igeFallbackReason() }, 'AES-IGE backend');
class GramjsLogger extends Logger {
  override log(_level: unknown, message: string): void {
    log.error({ from: 'gramjs' }, message);
  }
}
const calls = new SessionCalls();
const peers = new Peers(calls);
const files = new FileCache(calls, peers);
const feed = spec.receiveUpdates ? new UpdateFeed({
  calls,
  peers,
  state: spec.updatesState,
  emit: (update) => post({ type: 'update', update }),
  saveState: (state) => post({ type: 'updates-state', state }),
  onError: (err, what) => log.error({ err }, `${what} failed`),
}) : undefined;
let session: PersistentSession | undefined;
let savedSession = spec.session ?? '';

const post = (event: SessionEvent) => postSessionEvent(event);
const meter = new SessionMeter();
meter.start(post);

/** Posts the session for the store whenever it changed (login, a newly authorized DC). */
function saveSession(): void {
  const saved = session?.saveAll() ?? '';
  if (saved && saved !== savedSession) {
    savedSession = saved;
    post({ type: 'session', session: saved });
  }
}

/**
 * A client on the saved session (or a fresh one), connected to its home DC but not yet known to be logged in.
 * `restored` tells whether it carries a saved authorization.
 */
async function connectClient(saved: string | undefined): Promise<{ restored: boolean }> {
  let connection: any;
  if (spec.sandbox) {
    const { sandboxConnection, trustSandboxKey } = await import('../../src/sandbox/client.ts');
    trustSandboxKey(spec.sandbox);
    connection = sandboxConnection(spec.sandbox);
  }
  let s: PersistentSession;
  try {
    s = new PersistentSession(saved);
  } catch {
    // An unreadable saved session costs one fresh login, not a session that never starts.
    s = new PersistentSession();
  }
  const restored = Boolean(s.serverAddress);
  if (!restored && spec.sandbox) s.setDC(1, spec.sandbox.host, spec.sandbox.ports[1]!);
  const client = new TelegramClient(s, spec.apiId, spec.apiHash, {
    connection,
    networkSocket: FastSocket as any,
    floodSleepThreshold: 0,
    autoReconnect: true,
    // Only gramjs's errors are worth a line; they go through the session's logger rather than its console.log.
    baseLogger: new GramjsLogger(LogLevel.ERROR),
  });
  const link = new LinkHealth(client, {
    onChange: ({ dcId, state }) => {
      post({ type: 'link', state, dcId });
      // Updates pushed while the home link was down are lost on the wire: fetch them.
      if (state === 'up' && feed && dcId === link.homeDc) void feed.catchUp();
    },
  });
  // gramjs hands here what it swallows in its own loops; the one that matters is a 401 on the home DC while it
  // exports the authorization to a download DC (it would retry that forever, the download waiting).
  client.onError = async (err: unknown) => {
    const code = rpcCodeOf(err);
    if (code !== undefined && isAuthRevoked(err, true)) link.revoked(new AuthRevoked(code, s.dcId, `home DC ${s.dcId} answered ${code}`));
  };
  const cleanup = (client as any)._cleanupExportedSender.bind(client);
  (client as any)._cleanupExportedSender = async (dcId: number) => {
    try {
      return await cleanup(dcId);
    } finally {
      // After the cleanup, so a retry borrows a new sender rather than the broken one.
      link.failCalls(dcId, new SenderBroken(dcId));
    }
  };
  // Before the login: updates may arrive as soon as it completes.
  if (feed) client.addEventHandler((u: any) => feed.onRaw(u), new Raw({}));
  session = s;
  calls.attach(client, link);
  // gramjs's default home DC for a session without an address is 4.
  await link.run(s.dcId || 4, () => client.connect());
  return { restored };
}

async function disconnect(): Promise<void> {
  const { client, link } = calls.detach();
  link?.close();
  if (client) await closeClient(client);
}

async function getMe(): Promise<InstanceType<typeof Api.User>> {
  const client = calls.client();
  return (await calls.link().run(calls.homeDc, () => client.getMe())) as InstanceType<typeof Api.User>;
}

async function login(): Promise<InstanceType<typeof Api.User>> {
  const { restored } = await connectClient(spec.session);
  if (restored) {
    try {
      return await getMe();
    } catch (err) {
      if (!isAuthRevoked(err, true)) throw err;
      // The saved authorization was revoked (or the DC forgot the key): start over with a new key and the token.
      await disconnect();
      await connectClient(undefined);
    }
  }
  const client = calls.client();
  // gramjs's signInBot follows a USER_MIGRATE to the bot's own DC by itself.
  await calls.link().run(calls.homeDc, () => client.signInBot({ apiId: spec.apiId, apiHash: spec.apiHash }, { botAuthToken: spec.botToken }));
  return getMe();
}

const api: SessionApi = {
  async start() {
    try {
      const me = await login();
      saveSession();
      // Ready means updates flow: a first run learns the update state before it answers (one quick call); missed
      // updates after a restart are fetched in the background, held by the app until the bot is attached.
      if (feed) {
        const started = feed.start();
        if (!spec.updatesState) await started;
      }
      return { botId: me.id.toString(), username: me.username ?? '' };
    } catch (err) {
      await disconnect().catch(() => {});
      throw toActorError(err, { onHome: true });
    }
  },

  async resolveFile(chatId, messageId) {
    try {
      return (await files.load(chatId, messageId)).meta;
    } catch (err) {
      throw toActorError(err, { onHome: true });
    }
  },

  async fetchBlock(req: BlockRequest) {
    const home = calls.homeDc;
    let entry = await files.entry(req.chatId, req.messageId).catch((err) => { throw toActorError(err, { onHome: true }); });
    let resets = 0;
    for (let attempt = 0; ; attempt++) {
      const loc = entry.location;
      const onHome = loc.dcId === home;
      try {
        const res = (await calls.onDc(loc.dcId, new Api.upload.GetFile({
          location: loc.photoSize !== undefined
            ? new Api.InputPhotoFileLocation({ id: loc.id, accessHash: loc.accessHash, fileReference: loc.fileReference, thumbSize: loc.photoSize })
            : new Api.InputDocumentFileLocation({ id: loc.id, accessHash: loc.accessHash, fileReference: loc.fileReference, thumbSize: '' }),
          offset: BigInt(req.offset) as any,
          limit: req.limit,
        }))) as InstanceType<typeof Api.upload.File>;
        if (session?.markAuthorized(loc.dcId)) saveSession();
        // gramjs's bytes may view a larger buffer: copy into one this thread owns whole, then give it away.
        const out = new ArrayBuffer(res.bytes.length);
        new Uint8Array(out).set(res.bytes);
        return transferBlock(out);
      } catch (err: any) {
        // A lost DC or a logged-out bot is the supervisor's to schedule around, at once.
        if (err instanceof LinkDown || err instanceof AuthRevoked || attempt >= 3 + resets) throw toActorError(err, { onHome });
        if (err instanceof errors.FileMigrateError) {
          loc.dcId = err.newDc;
          continue;
        }
        if (err instanceof SenderBroken && resets++ < 3) continue;
        if (rpcCodeOf(err) === 'AUTH_KEY_UNREGISTERED' && session && !onHome) {
          // A saved key for that DC is no longer authorized: start over there (new key, export, import).
          session.forget(loc.dcId);
          await (calls.client() as any)._cleanupExportedSender(loc.dcId);
          continue;
        }
        const code = rpcCodeOf(err);
        if (code === 'FILE_REFERENCE_EXPIRED' || code === 'FILE_REFERENCE_INVALID') {
          // References are per bot and expire: refetch the message in this session and retry.
          entry = await files.load(req.chatId, req.messageId).catch((e) => { throw toActorError(e, { onHome: true }); });
          continue;
        }
        throw toActorError(err, { onHome });
      }
    }
  },

  async ping() {
    return Date.now();
  },

  async stop() {
    feed?.close();
    await disconnect();
  },
};

exposeSession(meter.wrap({ ...api, ...createBotApi({ calls, peers, files, onResult: (r) => feed?.observeResult(r) }) }) as SessionApi);
