// Security for the HTTP front: one policy around every route, the address lists configuration parses, and the
// viewer caps the file source applies once it knows a link's owner.
export { createSecurityPolicy, type SecurityOptions, type SecurityPolicy } from './policy.ts';
export { clientIpFrom } from './client-ip.ts';
export { parseCidrList, ipAllowed, type CidrList } from './cidr.ts';
export { parseOrigins, PREFLIGHT_MAX_AGE_S } from './cors.ts';
export { securityHeaders, PAGE_CSP, FILE_CSP, HSTS } from './headers.ts';
export { rateKey, RATE_WINDOW_MS } from './rate-limit.ts';
export { DEFAULT_MAX_HEADER_BYTES } from './request-limits.ts';
export { ViewerCaps, DEFAULT_VIEWER_LINGER_MS, type ViewerCapsOptions, type ViewerEntry } from './viewer-caps.ts';
