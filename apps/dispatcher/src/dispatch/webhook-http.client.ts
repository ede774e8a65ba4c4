import { Agent } from 'undici';
import { forbiddenReason, parseHostAddress } from '@hookline/url-policy';
import type { AttemptErrorClass } from '@hookline/contracts';
import { guardedLookup, systemResolver, type Resolver } from './guarded-lookup';
import { parseRetryAfter } from '../lifecycle/delivery-lifecycle';

/** The most of a response body read off the socket; the rest is never read (the socket is closed). */
export const MAX_RESPONSE_READ = 64 * 1024;
/** The part of the body kept in the delivery log. */
export const MAX_RESPONSE_KEPT = 4 * 1024;

export interface WebhookHttpClientOptions {
  timeoutMs: number;
  allowPrivate: boolean;
  allowHttp: boolean;
  /** Connections per endpoint origin (keep-alive pool size). */
  connectionsPerOrigin: number;
  resolver?: Resolver;
}

export interface PostResult {
  status: number | null;
  /** The first 4 KiB of the response body, as text. */
  body: string | null;
  bytesRead: number;
  durationMs: number;
  errorClass: AttemptErrorClass | null;
  error: string | null;
  retryAfterMs?: number;
}

class DeadlineExceeded extends Error {
  constructor(ms: number) {
    super(`no complete answer within ${ms} ms`);
    this.name = 'DeadlineExceeded';
  }
}

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'HOSTNAME_MISMATCH',
  'EPROTO',
]);

const TIMEOUT_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'ETIMEDOUT',
]);
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'ENODATA']);

/** Maps a socket, DNS, TLS or undici error (or one it wraps) to the attempt's error class. */
export function classifyError(error: unknown): AttemptErrorClass {
  let e = error as { code?: string; name?: string; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 5; depth++) {
    const code = e.code ?? '';
    if (e.name === 'DeadlineExceeded' || TIMEOUT_CODES.has(code)) return 'timeout';
    if (code === 'EHOOKLINE_BLOCKED_ADDRESS') return 'blocked_address';
    if (DNS_CODES.has(code)) return 'dns';
    if (code === 'ECONNREFUSED') return 'connection_refused';
    if (
      code.startsWith('ERR_TLS') ||
      code.startsWith('ERR_SSL') ||
      code.startsWith('ERR_OSSL') ||
      TLS_CODES.has(code)
    )
      return 'tls';
    e = e.cause as typeof e;
  }
  return 'connection_error';
}

type Refusal = Pick<PostResult, 'errorClass' | 'error'>;
type Target = { origin: string; path: string } | Refusal;

/**
 * URLs whose target is remembered; past that the memory starts afresh (a bound, not an LRU). A
 * URL may be 2,048 characters, so this bounds the memory to some tens of MB whatever tenants
 * register; past it, a URL is parsed again, as it was on every attempt before.
 */
const MAX_TARGETS = 10_000;

function originAndPath(url: URL): Target {
  return { origin: url.origin, path: `${url.pathname}${url.search}` };
}

/**
 * POSTs one signed body to an endpoint over keep-alive pools (one per origin), with the outbound
 * rules of DESIGN.md: only checked addresses (literal IPs here, names in the socket's lookup), no
 * redirects (a 3xx is a failure), one deadline for the whole exchange, headers and body (a
 * slow-drip body cannot hold a socket), and at most 64 KiB of the answer read.
 */
export class WebhookHttpClient {
  private readonly agent: Agent;
  private readonly targets = new Map<string, Target>();

  constructor(private readonly options: WebhookHttpClientOptions) {
    detachAnArrayBufferNow();
    this.agent = new Agent({
      connections: options.connectionsPerOrigin,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 60_000,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connect: {
        timeout: Math.min(options.timeoutMs, 10_000),
        lookup: guardedLookup(options.allowPrivate, options.resolver ?? systemResolver),
      },
    });
  }

  async post(url: string, headers: Record<string, string>, body: string): Promise<PostResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const target = this.target(url);
    if ('errorClass' in target)
      return { status: null, body: null, bytesRead: 0, durationMs: 0, ...target };
    const controller = new AbortController();
    const timeoutMs = this.options.timeoutMs;
    const timer = setTimeout(() => controller.abort(new DeadlineExceeded(timeoutMs)), timeoutMs);
    let status: number | null = null;
    try {
      const res = await this.agent.request({
        origin: target.origin,
        path: target.path,
        method: 'POST',
        headers,
        body,
        signal: controller.signal,
      });
      status = res.statusCode;
      const { text, bytesRead } = await readCapped(res.body);
      const result: PostResult = {
        status,
        body: text,
        bytesRead,
        durationMs: elapsed(),
        errorClass: null,
        error: null,
      };
      if (status >= 300 && status < 400) {
        result.errorClass = 'redirect';
        result.error = `redirect ${status} to ${String(res.headers.location ?? '(none)')} not followed`;
      } else if (status < 200 || status >= 300) {
        result.errorClass = 'http_status';
        result.error = `HTTP ${status}`;
        if (status === 429 || status === 503)
          result.retryAfterMs = parseRetryAfter(res.headers['retry-after']);
      }
      return result;
    } catch (e) {
      const aborted = controller.signal.aborted;
      return {
        status,
        body: null,
        bytesRead: 0,
        durationMs: elapsed(),
        errorClass: aborted ? 'timeout' : classifyError(e),
        error: aborted ? `timeout: no complete answer within ${timeoutMs} ms` : describe(e),
      };
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Where a URL's requests go, or why none may: decided once per URL (the rules do not change
   * while the client lives), not on every attempt.
   */
  private target(url: string): Target {
    let target = this.targets.get(url);
    if (!target) {
      if (this.targets.size >= MAX_TARGETS) this.targets.clear();
      target = this.refusal(url) ?? originAndPath(new URL(url));
      this.targets.set(url, target);
    }
    return target;
  }

  /** Refusals decided before any socket: a bad URL, a scheme not allowed, a literal forbidden IP. */
  private refusal(url: string): Refusal | undefined {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return { errorClass: 'invalid_url', error: 'not a valid URL' };
    }
    if (parsed.protocol !== 'https:' && !(this.options.allowHttp && parsed.protocol === 'http:')) {
      return { errorClass: 'invalid_url', error: `${parsed.protocol} URLs are not allowed` };
    }
    // A name goes through the guarded lookup; a literal address never reaches a lookup, so it is checked here.
    const literal = parseHostAddress(parsed.hostname);
    if (literal) {
      const reason = forbiddenReason(literal, { allowPrivate: this.options.allowPrivate });
      if (reason) return { errorClass: 'blocked_address', error: `blocked: ${reason}` };
    }
    return undefined;
  }

  async close(): Promise<void> {
    await this.agent.destroy().catch(() => undefined);
  }
}

/**
 * undici parses answers in WebAssembly, and a large chunk of an answer (any endpoint's 10 MB body)
 * grows that memory, which detaches its old ArrayBuffer. The first detach in a process tells V8
 * that its "no ArrayBuffer was ever detached" assumption is gone, and V8 throws away every
 * optimized function that relied on it: timers, Buffer, streams, async hooks, this client, over a
 * hundred in the dispatcher, so every tenant's deliveries run unoptimized for a few hundred
 * milliseconds. Detaching a throwaway buffer before any code is hot pays that once, at start.
 */
function detachAnArrayBufferNow(): void {
  const buffer = new ArrayBuffer(0);
  structuredClone(buffer, { transfer: [buffer] });
}

/** Reads at most MAX_RESPONSE_READ bytes, then drops the connection rather than read on. */
async function readCapped(
  stream: AsyncIterable<Buffer> & { destroy(): void },
): Promise<{ text: string; bytesRead: number }> {
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let bytesRead = 0;
  for await (const chunk of stream) {
    const room = MAX_RESPONSE_READ - bytesRead;
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    bytesRead += part.length;
    if (keptBytes < MAX_RESPONSE_KEPT) {
      const keep = part.subarray(0, MAX_RESPONSE_KEPT - keptBytes);
      kept.push(keep);
      keptBytes += keep.length;
    }
    if (bytesRead >= MAX_RESPONSE_READ) {
      dropWithoutStacks(stream);
      break;
    }
  }
  // Postgres text cannot hold NUL characters.
  return { text: Buffer.concat(kept).toString('utf8').replaceAll('\u0000', ''), bytesRead };
}

/**
 * Destroys the body, and with it the connection. undici and Node make an abort error on the way
 * and read its stack (to keep it), which with source maps on (the images run so) costs more than
 * the rest of the exchange; nobody reads those errors, so they are made without frames.
 */
function dropWithoutStacks(stream: { destroy(): void }): void {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    stream.destroy();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

function describe(e: unknown): string {
  const err = e as { message?: string; code?: string; cause?: { message?: string; code?: string } };
  const parts = [err.code, err.message, err.cause?.code, err.cause?.message].filter(Boolean);
  return parts.join(': ').slice(0, 500) || String(e);
}
