// Who may call the protected endpoints: a client whose address is in API_ALLOWED_IPS (when set) and who presents
// `Authorization: Bearer <API_TOKEN>`. The token is compared through SHA-256 digests so that timingSafeEqual always
// sees equal lengths and the comparison time tells nothing about the token, not even its length.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RouteRequest, RouteResponse } from '../http/routes/types.ts';
import type { HttpLogger } from '../http/logger.ts';
import { ipAllowed, type CidrList } from '../security/index.ts';
import { errorReply } from './reply.ts';

export interface AccessRules {
  apiToken: string | null;
  allowedIps: CidrList | null;
  logger: HttpLogger;
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

export function tokenMatches(expected: string, presented: string): boolean {
  return timingSafeEqual(digest(expected), digest(presented));
}

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive, RFC 6750 §2.1), else null. */
export function bearerToken(header: string | undefined): string | null {
  const m = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header ?? '');
  return m ? m[1]! : null;
}

/** The refusal for a request that may not use a protected endpoint, or undefined when it may. */
export function refuse(rules: AccessRules, req: RouteRequest, route: string): RouteResponse | undefined {
  if (rules.apiToken === null) {
    return errorReply('SB_API_TOKEN_NOT_SET', 'API_TOKEN not set: set it to use this endpoint');
  }
  // The address is checked first so that a client outside the list learns nothing about the token.
  if (rules.allowedIps && !ipAllowed(req.ip, rules.allowedIps)) {
    rules.logger.warn({ ip: req.ip, route }, 'API request from an address not in API_ALLOWED_IPS');
    return errorReply('SB_API_FORBIDDEN_IP', `client address ${req.ip} is not in API_ALLOWED_IPS`);
  }
  const presented = bearerToken(req.headers.authorization);
  if (presented === null) {
    return errorReply('SB_API_UNAUTHORIZED', 'send the API token as "Authorization: Bearer <API_TOKEN>"', [['WWW-Authenticate', 'Bearer realm="streambot"']]);
  }
  if (!tokenMatches(rules.apiToken, presented)) {
    rules.logger.warn({ ip: req.ip, route }, 'API request with a wrong token');
    return errorReply('SB_API_UNAUTHORIZED', 'the API token is wrong', [['WWW-Authenticate', 'Bearer realm="streambot", error="invalid_token"']]);
  }
  return undefined;
}
