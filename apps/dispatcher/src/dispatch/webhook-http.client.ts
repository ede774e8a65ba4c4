import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Agent, type Dispatcher } from 'undici';
import { forbiddenReason, parseHostAddress } from '@hookline/url-policy';
import { clipText, type AttemptErrorClass } from '@hookline/contracts';
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

/**
 * What one POST came to. Every result has every field, set when it is made and never after (see
 * noAnswer): the lifecycle, the circuit breaker and the log read results on every delivery, and
 * a field written or added later, at a tenant's first error answer, made V8 throw their
 * optimized code away for all tenants.
 */
export interface PostResult {
  status: number | null;
  /** The first 4 KiB of the response body, as text. */
  body: string | null;
  bytesRead: number;
  durationMs: number;
  errorClass: AttemptErrorClass | null;
  error: string | null;
  /** From a 429 or 503 answer's Retry-After; undefined otherwise. */
  retryAfterMs: number | undefined;
}

/** A result without a complete answer (`status`: the answer's status, if it had begun). */
export function noAnswer(
  status: number | null,
  durationMs: number,
  errorClass: AttemptErrorClass,
  error: string,
): PostResult {
  return {
    status,
    body: null,
    bytesRead: 0,
    durationMs,
    errorClass,
    error,
    retryAfterMs: undefined,
  };
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
    if (TIMEOUT_CODES.has(code)) return 'timeout';
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

type Refusal = { errorClass: AttemptErrorClass; error: string };
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

  post(url: string, headers: Record<string, string>, body: string): Promise<PostResult> {
    const target = this.target(url);
    if ('errorClass' in target)
      return Promise.resolve(noAnswer(null, 0, target.errorClass, target.error));
    return exchange(this.agent, target, headers, body, this.options.timeoutMs);
  }

  /**
   * Readies the client for its first deliveries; call it before any. It takes, once, the paths a
   * misbehaving endpoint makes the client take (an exchange cut at its deadline, an answer cut at
   * the read cap, a 429 with Retry-After, a connection the peer resets) on its own agent, against
   * a loopback server of its own. The first socket a process destroys changes what V8 assumed of
   * sockets, streams and undici's requests, and V8 throws away the optimized code that relied on
   * it, ~40 functions that every delivery runs: at a tenant's first bad endpoint, every tenant's
   * deliveries would run slow until compiled again. The same goes for the first result with a
   * Retry-After (a field's type widens). At start nothing is hot yet. Never fails: at worst it did
   * nothing. (The loopback origin is the client's own: deliveries' URLs are checked in post.)
   */
  async prepare(): Promise<void> {
    await rehearseMisbehaviour(this.agent).catch(() => undefined);
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

/** One POST over an agent, to a checked target (see Exchange). */
function exchange(
  agent: Dispatcher,
  target: { origin: string; path: string },
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<PostResult> {
  return new Promise((resolve) => {
    agent.dispatch(
      { origin: target.origin, path: target.path, method: 'POST', headers, body },
      new Exchange(timeoutMs, resolve),
    );
  });
}

/** A request like a delivery's: a JSON body and headers. */
const REHEARSAL_HEADERS = { 'content-type': 'application/json' };

/** See WebhookHttpClient.prepare. */
async function rehearseMisbehaviour(agent: Dispatcher): Promise<void> {
  const hanging = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  const oversized = Buffer.alloc(2 * MAX_RESPONSE_READ, 'x');
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/hang') return void hanging.add(res);
      if (req.url === '/reset') return void req.socket.resetAndDestroy();
      if (req.url === '/oversized') return void res.writeHead(200).end(oversized);
      if (req.url === '/slow-down') return void res.writeHead(429, { 'retry-after': '1' }).end();
      res.writeHead(200).end('ok');
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', () => undefined);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // Each on a connection kept alive from an answer before it, as a tenant's would be.
    for (const path of ['/ok', '/hang', '/ok', '/oversized', '/ok', '/slow-down', '/reset'])
      await exchange(
        agent,
        { origin, path },
        REHEARSAL_HEADERS,
        '{}',
        path === '/hang' ? 50 : 2_000,
      );
  } finally {
    for (const res of hanging) res.destroy();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** Why an exchange was cut short by the client; made once, without frames (nobody reads them). */
const CAPPED = withoutStacks(() => new Error('the answer is longer than the client reads'));
const DEADLINE = withoutStacks(() => new Error('the exchange ran past its deadline'));

/**
 * One POST, as undici's dispatch handler: the status, the first MAX_RESPONSE_KEPT bytes of the
 * body, at most MAX_RESPONSE_READ bytes read before the connection is dropped, and one deadline
 * for all of it (queueing for a connection included). Driven by undici's callbacks rather than its
 * request() stream, which made a stream, an abort signal and a promise per chunk for every
 * attempt, most of the client's garbage.
 */
class Exchange implements Dispatcher.DispatchHandler {
  private readonly started = performance.now();
  private readonly timer: NodeJS.Timeout;
  private controller: Dispatcher.DispatchController | undefined;
  private status: number | null = null;
  private headers: Record<string, string | string[] | undefined> = {};
  private readonly kept: Buffer[] = [];
  private keptBytes = 0;
  private bytesRead = 0;
  private done = false;

  constructor(
    private readonly timeoutMs: number,
    private readonly resolve: (result: PostResult) => void,
  ) {
    this.timer = setTimeout(() => this.deadline(), timeoutMs);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    // Its deadline passed while it waited for a connection: it is not sent at all.
    if (this.done) abortWithoutStacks(controller, DEADLINE);
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    this.status = statusCode;
    this.headers = headers;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.done) return;
    const room = MAX_RESPONSE_READ - this.bytesRead;
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.bytesRead += part.length;
    if (this.keptBytes < MAX_RESPONSE_KEPT) {
      const keep = part.subarray(0, MAX_RESPONSE_KEPT - this.keptBytes);
      this.kept.push(keep);
      this.keptBytes += keep.length;
    }
    if (this.bytesRead >= MAX_RESPONSE_READ) {
      // The answer counts as given; the rest is never read, and the connection goes with it.
      this.answered();
      abortWithoutStacks(controller, CAPPED);
    }
  }

  onResponseEnd(): void {
    this.answered();
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    if (error === CAPPED || error === DEADLINE) return; // settled already
    this.settle(noAnswer(this.status, this.elapsed(), classifyError(error), describe(error)));
  }

  private answered(): void {
    const status = this.status!;
    let errorClass: AttemptErrorClass | null = null;
    let error: string | null = null;
    let retryAfterMs: number | undefined;
    if (status >= 300 && status < 400) {
      errorClass = 'redirect';
      error = `redirect ${status} to ${String(this.headers.location ?? '(none)')} not followed`;
    } else if (status < 200 || status >= 300) {
      errorClass = 'http_status';
      error = `HTTP ${status}`;
      if (status === 429 || status === 503)
        retryAfterMs = parseRetryAfter(this.headers['retry-after']);
    }
    this.settle({
      status,
      // Postgres text cannot hold NUL characters.
      body: Buffer.concat(this.kept).toString('utf8').replaceAll('\u0000', ''),
      bytesRead: this.bytesRead,
      durationMs: this.elapsed(),
      errorClass,
      error,
      retryAfterMs,
    });
  }

  private deadline(): void {
    if (this.done) return;
    this.settle(
      noAnswer(
        this.status,
        this.elapsed(),
        'timeout',
        `timeout: no complete answer within ${this.timeoutMs} ms`,
      ),
    );
    if (this.controller) abortWithoutStacks(this.controller, DEADLINE);
  }

  private settle(result: PostResult): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    this.resolve(result);
  }

  private elapsed(): number {
    return Math.round(performance.now() - this.started);
  }
}

/**
 * Runs `make` with errors made without frames. Aborting an exchange drops its connection, and
 * undici and Node make errors on the way and read their stacks, which with source maps on (the
 * images run so) costs more than the rest of the exchange; nobody reads those errors.
 */
function withoutStacks<T>(make: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Aborts an exchange, and with it the connection (see withoutStacks). */
function abortWithoutStacks(controller: Dispatcher.DispatchController, reason: Error): void {
  withoutStacks(() => controller.abort(reason));
}

function describe(e: unknown): string {
  const err = e as { message?: string; code?: string; cause?: { message?: string; code?: string } };
  const parts = [err.code, err.message, err.cause?.code, err.cause?.message].filter(Boolean);
  return clipText(parts.join(': '), 500) || String(e);
}
