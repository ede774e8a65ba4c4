import { randomBytes } from 'node:crypto';

export const PORTAL_TOKEN_PREFIX = 'hlp_';

/** A portal token: `hlp_` + 32 random bytes, base64url; stored as its SHA-256 like API keys. */
export function generatePortalToken(): string {
  return PORTAL_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/**
 * What a portal token may reach: the endpoints' management and their delivery log, nothing of
 * the project's keys, links or ingest, which stay with the platform.
 */
const PORTAL_PATHS = /^\/v1\/(webhooks|deliveries)(\/|$)|^\/v1\/portal-sessions\/current$/;

export function portalMayReach(path: string): boolean {
  return PORTAL_PATHS.test(path);
}

/** Read-only links read: anything but GET and HEAD is refused. */
export function isWrite(method: string): boolean {
  return method !== 'GET' && method !== 'HEAD';
}
