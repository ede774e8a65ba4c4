import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { newId, type EndpointVerification, type SignatureScheme } from '@hookline/contracts';
import { signHeaders } from '@hookline/signing';
import { resolveAndCheck, UrlPolicyError, type UrlPolicyOptions } from '@hookline/url-policy';

/** Cryptohopper's validation message, sent as is (its receivers test `type`). */
export const VALIDATE_BODY = JSON.stringify({ type: 'validate', messages: [] });

const TIMEOUT_MS = 5_000;
const MAX_BODY = 4096;

export interface HandshakeTarget {
  url: string;
  scheme: SignatureScheme;
  signatureHeader: string | null;
  /** Plaintext secrets valid now, current first. */
  secrets: string[];
  verification: EndpointVerification;
}

export interface HandshakeResult {
  passed: boolean;
  status: number | null;
  /** Why it did not pass, for people. */
  error: string | null;
}

/**
 * The endpoint verification handshake: POST the signed validate message and require a 200 whose
 * body (trimmed) is the code. The URL policy is applied again and the request connects to the
 * address that was checked, so a DNS answer that changes in between cannot aim it elsewhere.
 */
export class EndpointVerifier {
  constructor(private readonly policy: UrlPolicyOptions) {}

  async run(target: HandshakeTarget): Promise<HandshakeResult> {
    let checked: { url: URL; addresses: string[] };
    try {
      checked = await resolveAndCheck(target.url, this.policy);
    } catch (e) {
      if (e instanceof UrlPolicyError) return failed(null, `url ${e.message}`);
      throw e;
    }
    const headers = {
      'content-type': 'application/json',
      ...signHeaders({
        scheme: target.scheme,
        secrets: target.secrets,
        signatureHeader: target.signatureHeader,
        msgId: newId('message'),
        timestamp: Math.floor(Date.now() / 1000),
        body: VALIDATE_BODY,
      }),
    };
    let answer: { status: number; body: string };
    try {
      answer = await post(checked.url, checked.addresses[0], headers, VALIDATE_BODY);
    } catch (e) {
      return failed(null, `request failed: ${(e as Error).message}`);
    }
    if (answer.status !== 200) return failed(answer.status, `answered ${answer.status}, not 200`);
    if (answer.body.trim() !== target.verification.code)
      return failed(answer.status, 'the body did not echo the verification code');
    return { passed: true, status: answer.status, error: null };
  }
}

function failed(status: number | null, error: string): HandshakeResult {
  return { passed: false, status, error };
}

function post(
  url: URL,
  address: string | undefined,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; body: string }> {
  // Connect to the checked address (the Host header and TLS name stay the URL's).
  const lookup: LookupFunction | undefined = address
    ? (_host, options, callback) => {
        const family = address.includes(':') ? 6 : 4;
        if ((options as { all?: boolean }).all) callback(null, [{ address, family }]);
        else callback(null, address, family);
      }
    : undefined;
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers, lookup, timeout: TIMEOUT_MS }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        if (text.length > MAX_BODY) res.destroy();
      });
      res.on('close', () =>
        resolve({ status: res.statusCode ?? 0, body: text.slice(0, MAX_BODY) }),
      );
      res.on('error', () =>
        resolve({ status: res.statusCode ?? 0, body: text.slice(0, MAX_BODY) }),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
