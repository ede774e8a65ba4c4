import { SECRET_PREFIX, canonicalScheme, type Scheme } from './schemes';

/** Bounds of a secret a webhook's owner brings (DESIGN.md: length and entropy checked). */
export const SECRET_POLICY = {
  minLength: 32,
  maxLength: 512,
  /**
   * Of the estimate below. 32 random hex digits (128 real bits) score about 115, but their tail
   * reaches the high 80s (minimum 88.5 over a million draws): 100 refused ~0.2 % of genuinely
   * random hex secrets. A word padded to length still scores lower ("secret" × 6: 81).
   */
  minEntropyBits: 85,
  /** A `standard` secret's key: `whsec_` + base64 of this many bytes or more. */
  minStandardKeyBytes: 24,
} as const;

/**
 * Entropy estimate of a string: its length times the Shannon entropy of its own character
 * frequencies. It over-rates text made of many distinct characters but catches what owners
 * actually paste by mistake: short strings, repeated characters, a word padded to length.
 */
export function estimateEntropyBits(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let perChar = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    perChar -= p * Math.log2(p);
  }
  return perChar * text.length;
}

/**
 * Why a secret brought by the webhook's owner cannot sign for `scheme`, or undefined when it can.
 * `standard` keys are the base64 bytes after `whsec_` (the specification's form); the
 * single-signature schemes use the secret string itself, so any printable ASCII string will do.
 */
export function secretProblem(secret: string, scheme: Scheme): string | undefined {
  const { minLength, maxLength, minEntropyBits, minStandardKeyBytes } = SECRET_POLICY;
  if (secret.length < minLength || secret.length > maxLength)
    return `must be ${minLength} to ${maxLength} characters`;
  if (!/^[!-~]+$/.test(secret)) return 'must be printable ASCII without spaces';
  if (canonicalScheme(scheme) === 'standard') {
    const b64 = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : '';
    if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(b64) || !b64)
      return `must be ${SECRET_PREFIX} followed by base64 for the standard scheme`;
    if (Math.floor((b64.replace(/=+$/, '').length * 3) / 4) < minStandardKeyBytes)
      return `must encode at least ${minStandardKeyBytes} bytes after ${SECRET_PREFIX}`;
  }
  if (estimateEntropyBits(secret) < minEntropyBits)
    return 'is too predictable (too few distinct characters for its length); use a random secret';
  return undefined;
}
