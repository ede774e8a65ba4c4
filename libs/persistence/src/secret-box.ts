import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** One encryption key and the id ciphertexts sealed under it carry. */
export interface SecretKey {
  id: string;
  key: Buffer;
}

/** The id of the single key given as HOOKLINE_ENCRYPTION_KEY (and as a bare Buffer here). */
export const DEFAULT_KEY_ID = 'default';

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * A ciphertext no configured key opens: sealed under a key id that is not configured (any more),
 * altered, or copied from another webhook. The secret cannot be used until it is set again.
 */
export class SecretUnreadableError extends Error {
  constructor(
    readonly webhookId: string,
    readonly keyId: string | null,
    reason: string,
  ) {
    super(`secret of webhook ${webhookId} is unreadable: ${reason}`);
    this.name = 'SecretUnreadableError';
  }
}

/**
 * Webhook secrets at rest and on the changelog: AES-256-GCM with the webhook id as associated
 * data, so a ciphertext copied onto another webhook's row does not decrypt.
 * Format: `<key id>:base64(iv[12] | ciphertext | tag[16])`. Ciphertexts written before key ids
 * existed are the bare base64 part; every configured key is tried on them (GCM's tag tells the
 * right one). The first key seals; all of them open, so keys can be rotated without downtime:
 * add a new key in front, re-seal (`npm run secrets:rekey`), then drop the old one.
 */
export class SecretBox {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly sealing: SecretKey;

  /** A bare key is the single HOOKLINE_ENCRYPTION_KEY, id DEFAULT_KEY_ID. */
  constructor(keys: Buffer | readonly SecretKey[]) {
    const list = Buffer.isBuffer(keys) ? [{ id: DEFAULT_KEY_ID, key: keys }] : keys;
    if (list.length === 0) throw new Error('SecretBox needs at least one key');
    const map = new Map<string, Buffer>();
    for (const { id, key } of list) {
      if (key.length !== 32) throw new Error(`SecretBox: key ${id} is not 32 bytes`);
      if (!KEY_ID.test(id)) throw new Error(`SecretBox: "${id}" is not a key id ([A-Za-z0-9_-])`);
      if (map.has(id)) throw new Error(`SecretBox: key id ${id} is given twice`);
      map.set(id, key);
    }
    this.keys = map;
    this.sealing = list[0]!;
  }

  /** The id new ciphertexts carry. */
  get sealingKeyId(): string {
    return this.sealing.id;
  }

  encrypt(webhookId: string, plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.sealing.key, iv);
    cipher.setAAD(Buffer.from(webhookId, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const sealed = Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64');
    return `${this.sealing.id}:${sealed}`;
  }

  /** Throws SecretUnreadableError when no configured key opens it for this webhook. */
  decrypt(webhookId: string, ciphertext: string): string {
    const { keyId, sealed } = parse(ciphertext);
    const raw = Buffer.from(sealed, 'base64');
    if (raw.length < IV_BYTES + TAG_BYTES) {
      throw new SecretUnreadableError(webhookId, keyId, 'ciphertext too short');
    }
    if (keyId === null) {
      for (const key of this.keys.values()) {
        const plaintext = open(key, webhookId, raw);
        if (plaintext !== undefined) return plaintext;
      }
      throw new SecretUnreadableError(webhookId, null, 'no configured key opens it');
    }
    const key = this.keys.get(keyId);
    if (!key) {
      throw new SecretUnreadableError(webhookId, keyId, `key ${keyId} is not configured`);
    }
    const plaintext = open(key, webhookId, raw);
    if (plaintext === undefined) {
      throw new SecretUnreadableError(
        webhookId,
        keyId,
        `key ${keyId} does not open it (altered, or another webhook's)`,
      );
    }
    return plaintext;
  }

  /** Whether the ciphertext is already sealed under the sealing key (re-sealing would change nothing). */
  isSealedWithCurrentKey(ciphertext: string): boolean {
    return parse(ciphertext).keyId === this.sealing.id;
  }

  /** The same secret sealed under the sealing key; unchanged when it already is. */
  reseal(webhookId: string, ciphertext: string): string {
    if (this.isSealedWithCurrentKey(ciphertext)) return ciphertext;
    return this.encrypt(webhookId, this.decrypt(webhookId, ciphertext));
  }
}

function parse(ciphertext: string): { keyId: string | null; sealed: string } {
  // Base64 has no ':', so a colon can only be the key id's separator.
  const colon = ciphertext.indexOf(':');
  if (colon < 0) return { keyId: null, sealed: ciphertext };
  return { keyId: ciphertext.slice(0, colon), sealed: ciphertext.slice(colon + 1) };
}

function open(key: Buffer, webhookId: string, raw: Buffer): string | undefined {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(webhookId, 'utf8'));
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    return Buffer.concat([
      decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    return undefined;
  }
}
