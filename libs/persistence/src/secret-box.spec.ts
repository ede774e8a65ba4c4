import { randomBytes } from 'node:crypto';
import { SecretBox } from './secret-box';

describe(SecretBox.name, () => {
  const sut = new SecretBox(randomBytes(32));

  it('should round-trip a secret', () => {
    const c = sut.encrypt('wh_1', 'whsec_abc');
    expect(c).not.toContain('whsec');
    expect(sut.decrypt('wh_1', c)).toBe('whsec_abc');
  });

  it('should refuse a ciphertext moved to another webhook', () => {
    const c = sut.encrypt('wh_1', 'whsec_abc');
    expect(() => sut.decrypt('wh_2', c)).toThrow();
  });

  it('should refuse another key', () => {
    const c = sut.encrypt('wh_1', 'whsec_abc');
    expect(() => new SecretBox(randomBytes(32)).decrypt('wh_1', c)).toThrow();
  });
});
