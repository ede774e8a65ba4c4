import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { unportableTextReason } from '@hookline/contracts';
import { MAX_RESPONSE_KEPT, WebhookHttpClient, type PostResult } from './webhook-http.client';

/**
 * Answers no well-behaved HTTP server gives, written byte for byte on a raw socket: each path
 * answers one way. An endpoint's answer is tenant input like any other; whatever it holds, a
 * delivery's exchange ends with a classified result within its deadline, nothing throws, and the
 * client goes on serving the next delivery.
 */
const ANSWERS: Record<string, (socket: Socket) => void> = {
  // The well-formed answer that follows each of the others.
  '/fine': (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'),
  '/switch': (s) =>
    s.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
    ),
  '/early-hints': (s) =>
    s.end(
      'HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n' +
        'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
    ),
  '/status-999': (s) => s.end('HTTP/1.1 999 Whatever\r\nContent-Length: 2\r\n\r\nno'),
  '/garbage': (s) => s.end('\u0000\u0001garbage that is no status line\r\n\r\n'),
  '/huge-header': (s) =>
    s.end(`HTTP/1.1 200 OK\r\nX-Big: ${'h'.repeat(256 * 1024)}\r\nContent-Length: 0\r\n\r\n`),
  '/many-headers': (s) =>
    s.end(
      `HTTP/1.1 200 OK\r\n${Array.from({ length: 20_000 }, (_, i) => `x-${i}: v\r\n`).join('')}` +
        'Content-Length: 0\r\n\r\n',
    ),
  '/bad-length': (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\nok'),
  '/two-lengths': (s) =>
    s.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\nok'),
  '/short-body': (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this'),
  '/bad-chunk': (s) =>
    s.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nnot a chunk\r\n0\r\n\r\n'),
  '/until-close': (s) => s.end('HTTP/1.0 200 OK\r\n\r\nread until the close'),
  // Invalid UTF-8, a surrogate's CESU-8 bytes and an overlong NUL, then a character cut by the cap.
  '/bad-utf8': (s) => {
    const body = Buffer.concat([
      Buffer.from([0xff, 0xfe, 0xed, 0xa0, 0x80, 0xc0, 0x80, 0x41]),
      Buffer.alloc(MAX_RESPONSE_KEPT - 9, 'z'),
      Buffer.from('€'),
    ]);
    s.end(
      Buffer.concat([
        Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`),
        body,
      ]),
    );
  },
};

describe(`${WebhookHttpClient.name} against raw answers`, () => {
  let server: Server;
  let base: string;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
      let head = '';
      socket.on('data', (chunk) => {
        if (head.includes('\r\n\r\n')) return;
        head += chunk.toString('latin1');
        if (!head.includes('\r\n\r\n')) return;
        const path = head.split(' ')[1] ?? '';
        ANSWERS[path]!(socket);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });

  const TIMEOUT_MS = 2_000;
  let sut: WebhookHttpClient;
  beforeEach(() => {
    sut = new WebhookHttpClient({
      timeoutMs: TIMEOUT_MS,
      allowPrivate: true,
      allowHttp: true,
      connectionsPerOrigin: 2,
    });
  });
  afterEach(() => sut.close());

  /** Posts to path; the result must come well before the deadline and the client still work. */
  async function post(path: string): Promise<PostResult> {
    const started = Date.now();
    const r = await sut.post(`${base}${path}`, { 'content-type': 'application/json' }, '{}');
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS / 2);
    expect(await sut.post(`${base}/fine`, {}, '{}')).toMatchObject({ status: 200, body: 'ok' });
    return r;
  }

  it('should fail a 101 answer to a POST that asked for no upgrade', async () => {
    const r = await post('/switch');
    expect(r.errorClass).not.toBeNull();
    expect(r.body).toBeNull();
  });

  it('should pass over an informational answer to the final one', async () => {
    expect(await post('/early-hints')).toMatchObject({ status: 200, body: 'ok', errorClass: null });
  });

  it('should take a status past 599 as a failing status', async () => {
    expect(await post('/status-999')).toMatchObject({
      status: 999,
      errorClass: 'http_status',
      error: 'HTTP 999',
    });
  });

  it.each([
    ['/garbage'],
    ['/huge-header'],
    ['/many-headers'],
    ['/bad-length'],
    ['/two-lengths'],
    ['/short-body'],
    ['/bad-chunk'],
  ])('should class %s as a broken exchange, with its reason', async (path) => {
    const r = await post(path);
    expect(r).toMatchObject({ body: null, errorClass: 'connection_error' });
    expect(r.error).toEqual(expect.any(String));
    expect(r.error!.length).toBeGreaterThan(0);
  });

  it('should read an HTTP/1.0 answer without a length up to its close', async () => {
    expect(await post('/until-close')).toMatchObject({
      status: 200,
      body: 'read until the close',
      errorClass: null,
    });
  });

  it('should keep bytes that are not UTF-8 as replacement characters, never as NUL or a lone surrogate', async () => {
    const r = await post('/bad-utf8');
    expect(r.status).toBe(200);
    expect(unportableTextReason(r.body!)).toBeUndefined();
    expect(r.body!.startsWith('\ufffd\ufffd')).toBe(true);
    expect(r.body!.endsWith('z') || r.body!.endsWith('\ufffd')).toBe(true);
  });
});
