import { randomBytes } from 'node:crypto';
import { generateSecret } from './sign';
import { secretProblem } from './secret-policy';

describe(secretProblem.name, () => {
  it('should accept generated secrets for every scheme and random hex for the single-signature ones', () => {
    for (let i = 0; i < 50; i++) {
      expect(secretProblem(generateSecret(), 'standard')).toBeUndefined();
      expect(secretProblem(generateSecret(), 'hostwares')).toBeUndefined();
      expect(secretProblem(randomBytes(16).toString('hex'), 'hop')).toBeUndefined();
      expect(secretProblem(randomBytes(24).toString('base64url'), 'hub-sha512')).toBeUndefined();
    }
  });

  it('should accept a random hex secret whose digits happen to repeat (its estimate is ~98 bits)', () => {
    // 16 bytes from randomBytes, one of the ~0.2 % that the estimate rates below 100 bits.
    expect(secretProblem('3eab3e352a0ab3ee87a537be3aae63c5', 'hop')).toBeUndefined();
  });

  it.each([
    ['short', 'too-short-secret', 'hostwares', /32 to 512/],
    ['repeated', 'a'.repeat(64), 'hostwares', /predictable/],
    ['a padded word', 'secretsecretsecretsecretsecretsecret', 'hop', /predictable/],
    ['with spaces', 'correct horse battery staple and more words', 'hop', /printable/],
    ['not whsec_ for standard', randomBytes(32).toString('hex'), 'standard', /whsec_/],
    [
      'a short key for standard',
      `whsec_${randomBytes(20).toString('base64')}`,
      'standard',
      /24 bytes/,
    ],
  ] as const)('should refuse a secret that is %s', (_, secret, scheme, message) => {
    expect(secretProblem(secret, scheme)).toMatch(message);
  });
});
