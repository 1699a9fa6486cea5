// The OpenAPI 3.1 description of the API, served at /api/openapi.json. Kept beside the routes: a test checks that
// every mounted route and method is described and that the document is valid.
import { API_ERROR_STATUS } from './errors.ts';
import { DEFAULT_LIMIT, MAX_LIMIT } from './input.ts';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const nullable = (type: string, extra: object = {}) => ({ type: [type, 'null'], ...extra });
const dateTime = { type: 'string', format: 'date-time' };
const nullableDateTime = { type: ['string', 'null'], format: 'date-time' };
const count = { type: 'integer', minimum: 0 };

const okJson = (description: string, schema: object) => ({
  description,
  headers: { 'Cache-Control': { $ref: '#/components/headers/NoStore' } },
  content: { 'application/json': { schema } },
});
const error = (name: string) => ({ $ref: `#/components/responses/${name}` });
const errorResponse = (description: string, extraHeaders: object = {}) => ({
  description,
  headers: { 'Cache-Control': { $ref: '#/components/headers/NoStore' }, ...extraHeaders },
  content: { 'application/json': { schema: ref('Error') } },
});

/** The answers every protected endpoint may give besides its own. */
const guarded = {
  '401': error('Unauthorized'),
  '403': error('ForbiddenIp'),
  '500': error('Internal'),
  '503': error('Unavailable'),
};
const bearer = [{ bearerAuth: [] }];

const fileIdParam = {
  name: 'id', in: 'path', required: true, description: 'The public file id (as in its links).',
  schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{12}$' },
};
const userIdParam = {
  name: 'id', in: 'path', required: true, description: 'The Telegram user id.',
  schema: { type: 'string', pattern: '^[1-9][0-9]{0,15}$' },
};

const schemas = {
  Error: {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: {
          code: { type: 'string', enum: Object.keys(API_ERROR_STATUS), description: 'Stable; branch on it.' },
          message: { type: 'string', description: 'For people: names the bad input and what it must be.' },
        },
      },
    },
  },
  FileLinks: {
    type: 'object',
    required: ['download', 'stream', 'watch'],
    properties: {
      download: { type: 'string', format: 'uri', description: 'Served as an attachment.' },
      stream: { type: 'string', format: 'uri', description: 'Served inline, for players.' },
      watch: { type: 'string', format: 'uri', description: 'The player page.' },
    },
  },
  File: {
    type: 'object',
    required: ['id', 'title', 'file_name', 'file_size', 'file_type', 'mime_type', 'is_video', 'user_id', 'message_id', 'upload_date', 'expires_at', 'expired', 'revoked', 'download_count', 'stream_count', 'links'],
    properties: {
      id: { type: 'string' },
      title: nullable('string', { description: 'The sender\'s caption.' }),
      file_name: { type: 'string' },
      file_size: count,
      file_type: { type: 'string', description: 'Telegram media kind: document, video, audio, photo, ...' },
      mime_type: { type: 'string' },
      is_video: { type: 'boolean' },
      user_id: { type: 'integer' },
      message_id: { type: 'integer', description: 'The copy in the log channel.' },
      upload_date: dateTime,
      expires_at: nullableDateTime,
      expired: { type: 'boolean', description: 'The link has expired (410 until renewed).' },
      revoked: { type: 'boolean' },
      download_count: count,
      stream_count: count,
      links: ref('FileLinks'),
    },
  },
  RenewedFile: {
    allOf: [ref('File'), { type: 'object', required: ['previous_id'], properties: { previous_id: { type: 'string' } } }],
  },
  FilePage: {
    type: 'object',
    required: ['files', 'next_cursor'],
    properties: {
      files: { type: 'array', items: ref('File') },
      next_cursor: nullable('string', { description: 'Pass as cursor for the next page; null on the last page.' }),
    },
  },
  User: {
    type: 'object',
    required: ['id', 'username', 'first_name', 'join_date', 'last_active', 'banned', 'unreachable', 'files_shared', 'bandwidth_used_bytes', 'bandwidth_this_month_bytes'],
    properties: {
      id: { type: 'integer' },
      username: nullable('string'),
      first_name: nullable('string'),
      join_date: dateTime,
      last_active: dateTime,
      banned: { type: 'boolean' },
      unreachable: { type: ['string', 'null'], enum: ['blocked', 'deactivated', null], description: 'Why the bot cannot message the user.' },
      files_shared: count,
      bandwidth_used_bytes: count,
      bandwidth_this_month_bytes: count,
    },
  },
  UserPatch: {
    type: 'object',
    required: ['banned'],
    additionalProperties: false,
    properties: { banned: { type: 'boolean' } },
  },
  SessionSummary: {
    type: 'object',
    required: ['total', 'ready', 'by_state'],
    properties: {
      total: count,
      ready: count,
      by_state: {
        type: 'object',
        required: ['starting', 'ready', 'flood-wait', 'restarting', 'failed', 'stopped'],
        properties: Object.fromEntries(['starting', 'ready', 'flood-wait', 'restarting', 'failed', 'stopped'].map((s) => [s, count])),
      },
    },
  },
  Session: {
    type: 'object',
    required: ['index', 'state', 'bot_username', 'flood_wait_until', 'flood_wait_seconds', 'retry_at', 'restarts', 'in_flight', 'completed', 'links_down', 'last_progress_at', 'last_error_code'],
    properties: {
      index: count,
      state: { type: 'string', enum: ['starting', 'ready', 'flood-wait', 'restarting', 'failed', 'stopped'] },
      bot_username: nullable('string'),
      flood_wait_until: nullableDateTime,
      flood_wait_seconds: { ...count, description: 'Seconds left of a flood wait; 0 when none.' },
      retry_at: { ...nullableDateTime, description: 'Next start attempt (restarting, failed).' },
      restarts: { ...count, description: 'Restarts inside the current restart window.' },
      in_flight: count,
      completed: count,
      links_down: { type: 'array', items: { type: 'integer' }, description: 'Telegram DCs the session cannot reach now.' },
      last_progress_at: nullableDateTime,
      last_error_code: nullable('string'),
    },
  },
  Sessions: {
    type: 'object',
    required: ['summary', 'sessions'],
    properties: { summary: ref('SessionSummary'), sessions: { type: 'array', items: ref('Session') } },
  },
  Stats: {
    type: 'object',
    required: ['users', 'banned_users', 'unreachable_users', 'files', 'bandwidth_this_month', 'active_streams', 'sessions', 'store', 'uptime_seconds', 'jobs'],
    properties: {
      users: count,
      banned_users: count,
      unreachable_users: count,
      files: { ...count, description: 'Files not expired, revoked ones included.' },
      bandwidth_this_month: {
        type: 'object',
        required: ['month', 'bytes', 'limit_bytes'],
        properties: { month: { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}$' }, bytes: count, limit_bytes: nullable('integer') },
      },
      active_streams: count,
      sessions: ref('SessionSummary'),
      store: {
        type: 'object',
        required: ['backend', 'degraded'],
        properties: { backend: { type: 'string', enum: ['sqlite', 'mongodb'] }, degraded: { type: 'boolean' } },
      },
      uptime_seconds: count,
      jobs: {
        type: 'array',
        description: 'Periodic housekeeping jobs (expired links, rate windows) and their last runs.',
        items: {
          type: 'object',
          required: ['name', 'every_ms', 'running', 'runs', 'failures', 'last_run_at', 'last_duration_ms', 'last_result', 'last_error', 'next_run_at'],
          properties: {
            name: { type: 'string' },
            every_ms: count,
            running: { type: 'boolean' },
            runs: count,
            failures: count,
            last_run_at: nullable('string'),
            last_duration_ms: nullable('integer'),
            last_result: {},
            last_error: { type: ['object', 'null'], required: ['message'], properties: { message: { type: 'string' }, code: { type: 'string' } } },
            next_run_at: nullable('string'),
          },
        },
      },
    },
  },
  Info: {
    type: 'object',
    required: ['status', 'bot_status', 'bot_info', 'features', 'bandwidth_info', 'streaming', 'uptime', 'uptime_seconds', 'server_time_utc', 'totaluser'],
    properties: {
      status: { type: 'string', enum: ['ok', 'error'] },
      bot_status: { type: 'string', enum: ['connected', 'disconnected'] },
      message: { type: 'string', description: 'Why status is error.' },
      bot_info: {
        type: ['object', 'null'],
        required: ['id', 'username', 'mention'],
        properties: { id: { type: 'string' }, username: { type: 'string' }, mention: { type: 'string' } },
      },
      features: {
        type: 'object',
        properties: {
          force_subscribe: { type: 'boolean' },
          link_expiry_enabled: { type: 'boolean' },
          link_expiry_duration_seconds: count,
          link_expiry_duration_human: nullable('string'),
          max_links_per_day: nullable('integer'),
          max_file_size_bytes: nullable('integer'),
          user_bandwidth_limit_bytes: nullable('integer'),
          video_player: { type: 'boolean' },
        },
      },
      bandwidth_info: {
        type: 'object',
        required: ['limit_enabled'],
        properties: {
          limit_enabled: { type: 'boolean' },
          limit_bytes: nullable('integer'),
          limit_gb: nullable('number', { description: 'GiB (1024³ bytes).' }),
          used_bytes: count,
          used_gb: { type: 'number' },
          remaining_gb: nullable('number'),
          month: { type: 'string' },
          error: { type: 'string', description: 'Present instead of the figures when the store cannot be read.' },
        },
      },
      streaming: {
        type: 'object',
        required: ['active_streams', 'sessions_total', 'sessions_ready'],
        properties: { active_streams: count, sessions_total: count, sessions_ready: count },
      },
      uptime: { type: 'string', examples: ['2d 14h 32m 18s'] },
      uptime_seconds: count,
      server_time_utc: dateTime,
      totaluser: { ...nullable('integer'), description: 'Users known to the bot; null when the store cannot be read.' },
    },
  },
};

const document = {
  openapi: '3.1.0',
  info: {
    title: 'StreamBot API',
    version: '1',
    description:
      'Status of the bot and, with `Authorization: Bearer <API_TOKEN>` from an address in API_ALLOWED_IPS (when set), ' +
      'its users, files and sessions. Every answer is JSON with `Cache-Control: no-store`. Errors are ' +
      '`{"error": {"code": "SB_API_...", "message": "..."}}`, except 405 (method not allowed, with Allow) and 413 ' +
      '(body too large), which are plain text.',
  },
  paths: {
    '/api/info': {
      get: {
        operationId: 'getInfo',
        summary: 'Bot status, features, bandwidth this month, streaming and uptime (public).',
        responses: { '200': okJson('The bot is connected.', ref('Info')), '503': okJson('The bot is not connected; the rest is filled in.', ref('Info')) },
      },
    },
    '/api/openapi.json': {
      get: {
        operationId: 'getOpenApi',
        summary: 'This document (public).',
        responses: { '200': okJson('The OpenAPI 3.1 document.', { type: 'object' }) },
      },
    },
    '/api/stats': {
      get: {
        operationId: 'getStats',
        summary: 'Users, files, bandwidth this month, active streams and sessions.',
        security: bearer,
        responses: { '200': okJson('Counts.', ref('Stats')), ...guarded },
      },
    },
    '/api/files': {
      get: {
        operationId: 'listFiles',
        summary: 'A user\'s files, newest first, page by page (expired files left out).',
        security: bearer,
        parameters: [
          { name: 'user', in: 'query', required: true, description: 'Telegram user id.', schema: { type: 'string', pattern: '^[1-9][0-9]{0,15}$' } },
          { name: 'cursor', in: 'query', required: false, description: 'next_cursor of the previous page.', schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{0,40}$' } },
          { name: 'limit', in: 'query', required: false, description: 'Files per page.', schema: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT } },
        ],
        responses: { '200': okJson('One page.', ref('FilePage')), '400': error('BadInput'), ...guarded },
      },
    },
    '/api/files/{id}': {
      parameters: [fileIdParam],
      get: {
        operationId: 'getFile',
        summary: 'A file\'s metadata and links (revoked files included, expired ones not).',
        security: bearer,
        responses: { '200': okJson('The file.', ref('File')), '400': error('BadInput'), '404': error('NotFound'), ...guarded },
      },
      delete: {
        operationId: 'revokeFile',
        summary: 'Revokes the file\'s links (they answer 410 from now on).',
        security: bearer,
        responses: { '200': okJson('The file, revoked.', ref('File')), '400': error('BadInput'), '404': error('NotFound'), ...guarded },
      },
    },
    '/api/files/{id}/renew': {
      parameters: [fileIdParam],
      post: {
        operationId: 'renewFile',
        summary: 'A new link id for the same stored file (for an expired or revoked link).',
        security: bearer,
        responses: {
          '200': okJson('The file under its new id.', ref('RenewedFile')),
          '400': error('BadInput'),
          '404': error('NotFound'),
          '501': error('NotImplemented'),
          ...guarded,
        },
      },
    },
    '/api/users/{id}': {
      parameters: [userIdParam],
      get: {
        operationId: 'getUser',
        summary: 'A user: names, dates, ban, files and bandwidth.',
        security: bearer,
        responses: { '200': okJson('The user.', ref('User')), '400': error('BadInput'), '404': error('NotFound'), ...guarded },
      },
      patch: {
        operationId: 'patchUser',
        summary: 'Bans or unbans a user.',
        security: bearer,
        requestBody: { required: true, content: { 'application/json': { schema: ref('UserPatch') } } },
        responses: {
          '200': okJson('The user after the change.', ref('User')),
          '400': error('BadInput'),
          '404': error('NotFound'),
          '413': { description: 'The body is larger than 1024 bytes (plain text).' },
          '415': error('UnsupportedMediaType'),
          ...guarded,
        },
      },
    },
    '/api/sessions': {
      get: {
        operationId: 'getSessions',
        summary: 'Each Telegram session: state, flood wait end, restarts, last error code.',
        security: bearer,
        responses: { '200': okJson('The sessions.', ref('Sessions')), ...guarded },
      },
    },
  },
  components: {
    securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'API_TOKEN' } },
    headers: {
      NoStore: { description: 'Always no-store.', schema: { type: 'string', const: 'no-store' } },
    },
    responses: {
      BadInput: errorResponse('SB_API_INVALID_PARAMETER, SB_API_INVALID_CURSOR or SB_API_INVALID_BODY: the message names the input.'),
      Unauthorized: errorResponse('SB_API_UNAUTHORIZED: no token, or a wrong one.', {
        'WWW-Authenticate': { description: 'Bearer challenge.', schema: { type: 'string' } },
      }),
      ForbiddenIp: errorResponse('SB_API_FORBIDDEN_IP: the client address is not in API_ALLOWED_IPS.'),
      NotFound: errorResponse('SB_API_NOT_FOUND.'),
      UnsupportedMediaType: errorResponse('SB_API_UNSUPPORTED_MEDIA_TYPE: the body is not sent as application/json.'),
      Internal: errorResponse('SB_API_INTERNAL.'),
      NotImplemented: errorResponse('SB_API_NOT_IMPLEMENTED: this server cannot renew links.'),
      Unavailable: errorResponse('SB_API_TOKEN_NOT_SET (API_TOKEN is not configured) or SB_API_STORE_UNAVAILABLE (try again after Retry-After).', {
        'Retry-After': { description: 'With SB_API_STORE_UNAVAILABLE.', schema: { type: 'integer' } },
      }),
    },
    schemas,
  },
};

/** A fresh copy each call, so a caller that adds to it (servers) changes nothing for the next. */
export function openApiDocument(): object {
  return structuredClone(document);
}
