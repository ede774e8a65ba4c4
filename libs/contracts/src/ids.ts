import { createHash, randomBytes } from 'node:crypto';

export const ID_PREFIXES = {
  project: 'prj_',
  apiKey: 'key_',
  webhook: 'wh_',
  event: 'evt_',
  message: 'msg_',
  portalSession: 'ps_',
  recovery: 'rec_',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function toBase62(bytes: Uint8Array, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[bytes[i % bytes.length]! % 62];
  return out;
}

/**
 * Time-ordered ids (like KSUID/ULID): 6 bytes of milliseconds then random bytes, so ids sort by
 * creation time, which keeps cursor pagination and B-tree inserts cheap.
 */
export function newId(kind: IdKind): string {
  const time = Buffer.alloc(6);
  time.writeUIntBE(Date.now(), 0, 6);
  return ID_PREFIXES[kind] + time.toString('hex') + toBase62(randomBytes(16), 16);
}

/**
 * The delivery (message) id of one event for one webhook. Deterministic so that a replay of the
 * same event after a crash produces the same `webhook-id`, which receivers deduplicate on.
 */
export function deliveryId(eventId: string, webhookId: string): string {
  const digest = createHash('sha256').update(`${eventId}\u0000${webhookId}`).digest();
  return ID_PREFIXES.message + toBase62(digest, 26);
}

export function hasPrefix(id: string, kind: IdKind): boolean {
  return id.startsWith(ID_PREFIXES[kind]);
}
