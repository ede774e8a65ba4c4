import { SECRET_PREFIX } from './schemes';

/**
 * The HMAC key of a secret. Standard Webhooks keys are the base64 bytes after `whsec_`; the
 * compatibility schemes, like the receivers written for them, use the whole secret string as UTF-8.
 */
export function standardKey(secret: string): Uint8Array {
  const b64 = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return base64Decode(b64);
}

export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export function base64Decode(b64: string): Uint8Array {
  const binary = atob(b64);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export function base64Encode(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]!);
  return btoa(binary);
}

export function hexEncode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += bytes[i]!.toString(16).padStart(2, '0');
  return out;
}
