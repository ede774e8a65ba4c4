import { createCipheriv, randomBytes } from 'node:crypto';
import { SecretBox, SecretUnreadableError } from './secret-box';

/** A ciphertext as SecretBox wrote it before key ids: bare base64(iv | ciphertext | tag). */
function legacySeal(key: Buffer, webhookId: string, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(webhookId, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64');
}

describe(SecretBox.name, () => {
  const sut = new SecretBox(randomBytes(32));

  it('should round-trip a secret', () => {
    const c = sut.encrypt('wh_1', 'whsec_abc');
    expect(c).not.toContain('whsec');
    expect(sut.decrypt('wh_1', c)).toBe('whsec_abc');
  });

  it('should refuse a ciphertext moved to another webhook', () => {
    const c = sut.encrypt('wh_1', 'whsec_abc');
    expect(() => sut.decrypt('wh_2', c)).toThrow(SecretUnreadableError);
  });

  it('should refuse another key', () => {
    const c = sut.encrypt('wh_1', 'whsec_abc');
    expect(() => new SecretBox(randomBytes(32)).decrypt('wh_1', c)).toThrow(SecretUnreadableError);
  });

  describe('with several keys', () => {
    const k1 = { id: 'k1', key: randomBytes(32) };
    const k2 = { id: 'k2', key: randomBytes(32) };

    it('should seal under the first key and name it in the ciphertext', () => {
      const box = new SecretBox([k2, k1]);
      const c = box.encrypt('wh_1', 'whsec_abc');
      expect(c.startsWith('k2:')).toBe(true);
      expect(new SecretBox([k2]).decrypt('wh_1', c)).toBe('whsec_abc');
      expect(box.sealingKeyId).toBe('k2');
    });

    it('should open what any configured key sealed', () => {
      const old = new SecretBox([k1]).encrypt('wh_1', 'whsec_old');
      expect(new SecretBox([k2, k1]).decrypt('wh_1', old)).toBe('whsec_old');
    });

    it('should throw SecretUnreadableError naming a key id that is not configured', () => {
      const old = new SecretBox([k1]).encrypt('wh_1', 'whsec_old');
      const box = new SecretBox([k2]);
      expect(() => box.decrypt('wh_1', old)).toThrow(SecretUnreadableError);
      expect(() => box.decrypt('wh_1', old)).toThrow(/key k1 is not configured/);
      try {
        box.decrypt('wh_1', old);
      } catch (e) {
        expect(e).toMatchObject({ webhookId: 'wh_1', keyId: 'k1' });
      }
    });

    it('should open a ciphertext written before key ids with whichever configured key sealed it', () => {
      const legacy = legacySeal(k1.key, 'wh_1', 'whsec_legacy');
      expect(new SecretBox([k2, k1]).decrypt('wh_1', legacy)).toBe('whsec_legacy');
      expect(new SecretBox(k1.key).decrypt('wh_1', legacy)).toBe('whsec_legacy');
      expect(() => new SecretBox([k2]).decrypt('wh_1', legacy)).toThrow(SecretUnreadableError);
    });

    it('should reseal under the first key, and leave what already is unchanged', () => {
      const box = new SecretBox([k2, k1]);
      const old = new SecretBox([k1]).encrypt('wh_1', 'whsec_old');
      const legacy = legacySeal(k1.key, 'wh_1', 'whsec_legacy');
      expect(box.isSealedWithCurrentKey(old)).toBe(false);
      expect(box.isSealedWithCurrentKey(legacy)).toBe(false);
      const resealed = box.reseal('wh_1', old);
      expect(box.isSealedWithCurrentKey(resealed)).toBe(true);
      expect(new SecretBox([k2]).decrypt('wh_1', resealed)).toBe('whsec_old');
      expect(new SecretBox([k2]).decrypt('wh_1', box.reseal('wh_1', legacy))).toBe('whsec_legacy');
      expect(box.reseal('wh_1', resealed)).toBe(resealed);
    });

    it('should give a single key the id "default"', () => {
      const c = new SecretBox(k1.key).encrypt('wh_1', 'whsec_abc');
      expect(c.startsWith('default:')).toBe(true);
      expect(new SecretBox([k2, { id: 'default', key: k1.key }]).decrypt('wh_1', c)).toBe(
        'whsec_abc',
      );
    });

    it('should refuse a key ring with a bad or repeated id', () => {
      expect(() => new SecretBox([k1, { ...k2, id: 'k1' }])).toThrow(/twice/);
      expect(() => new SecretBox([{ ...k1, id: 'k:1' }])).toThrow(/key id/);
      expect(() => new SecretBox([])).toThrow();
    });
  });
});
