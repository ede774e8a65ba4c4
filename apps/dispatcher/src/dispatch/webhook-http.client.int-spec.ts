import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AnsweringEndpoint } from '../testing/answering-endpoint';
import { MAX_RESPONSE_KEPT, MAX_RESPONSE_READ, WebhookHttpClient } from './webhook-http.client';

/**
 * What one exchange with an endpoint gives, over real loopback sockets: each path of the server
 * answers in one of the ways an endpoint can.
 */
describe(WebhookHttpClient.name, () => {
  let endpoint: AnsweringEndpoint;
  let base: string;

  const client = (timeoutMs = 500) =>
    new WebhookHttpClient({
      timeoutMs,
      allowPrivate: true,
      allowHttp: true,
      connectionsPerOrigin: 4,
    });

  beforeAll(async () => {
    endpoint = await AnsweringEndpoint.start();
    base = endpoint.base;
  });
  afterAll(() => endpoint?.close());

  it('should send the headers and body as given and keep the answer', async () => {
    const sut = client();
    const r = await sut.post(
      `${base}/ok?x=1`,
      { 'x-one': 'a', 'content-type': 'text/x' },
      '{"a":1}',
    );
    expect(r).toMatchObject({ status: 200, body: 'fine, thanks', errorClass: null, error: null });
    expect(r.bytesRead).toBe(12);
    expect(endpoint.received.at(-1)).toMatchObject({
      path: '/ok?x=1',
      body: '{"a":1}',
      headers: { 'x-one': 'a', 'content-type': 'text/x' },
    });
    await sut.close();
  });

  it('should keep answers on one connection, one after another', async () => {
    const sut = client();
    const before = endpoint.connections;
    for (let i = 0; i < 5; i++) expect((await sut.post(`${base}/ok`, {}, 'x')).status).toBe(200);
    expect(endpoint.connections - before).toBe(1);
    await sut.close();
  });

  it('should drop NUL from a kept answer and take an empty one as empty text', async () => {
    const sut = client();
    expect(await sut.post(`${base}/nul`, {}, 'x')).toMatchObject({ status: 200, body: 'ab' });
    expect(await sut.post(`${base}/empty`, {}, 'x')).toMatchObject({
      status: 204,
      body: '',
      bytesRead: 0,
      errorClass: null,
    });
    await sut.close();
  });

  it('should not follow a redirect, and name a failing status', async () => {
    const sut = client();
    expect(await sut.post(`${base}/redirect`, {}, 'x')).toMatchObject({
      status: 302,
      errorClass: 'redirect',
      error: 'redirect 302 to https://elsewhere.test/ not followed',
    });
    expect(await sut.post(`${base}/error`, {}, 'x')).toMatchObject({
      status: 500,
      body: 'boom',
      errorClass: 'http_status',
      error: 'HTTP 500',
    });
    const slow = await sut.post(`${base}/slow-down`, {}, 'x');
    expect(slow).toMatchObject({ status: 429, errorClass: 'http_status', retryAfterMs: 7000 });
    await sut.close();
  });

  it('should end an exchange at its deadline, whether headers or the body are late', async () => {
    const sut = client(300);
    for (const path of ['/hang', '/drip']) {
      const started = Date.now();
      const r = await sut.post(`${base}${path}`, {}, 'x');
      expect(r).toMatchObject({
        body: null,
        errorClass: 'timeout',
        error: 'timeout: no complete answer within 300 ms',
      });
      expect(Date.now() - started).toBeLessThan(2_000);
    }
    // The client goes on working after them.
    expect((await sut.post(`${base}/ok`, {}, 'x')).status).toBe(200);
    await sut.close();
  });

  it('should read a 10 MB answer only up to its cap, keep 4 KiB, and drop the connection', async () => {
    const sut = client(5_000);
    const r = await sut.post(`${base}/huge`, {}, 'x');
    expect(r).toMatchObject({ status: 200, errorClass: null, bytesRead: MAX_RESPONSE_READ });
    expect(r.body).toBe('y'.repeat(MAX_RESPONSE_KEPT));
    const deadline = Date.now() + 2_000;
    while (endpoint.hugeCutOff === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(endpoint.hugeCutOff).toBe(1);
    expect((await sut.post(`${base}/ok`, {}, 'x')).status).toBe(200);
    await sut.close();
  });

  it('should class a reset, a refused connection, a bad URL and a forbidden address', async () => {
    const sut = client();
    expect(await sut.post(`${base}/reset`, {}, 'x')).toMatchObject({
      status: null,
      body: null,
      errorClass: 'connection_error',
    });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    expect(await sut.post(`http://127.0.0.1:${port}/`, {}, 'x')).toMatchObject({
      status: null,
      errorClass: 'connection_refused',
    });
    expect(await sut.post('not a url', {}, 'x')).toMatchObject({ errorClass: 'invalid_url' });
    expect(await sut.post('ftp://example.test/', {}, 'x')).toMatchObject({
      errorClass: 'invalid_url',
    });
    const strict = new WebhookHttpClient({
      timeoutMs: 500,
      allowPrivate: false,
      allowHttp: true,
      connectionsPerOrigin: 1,
    });
    expect(await strict.post('http://169.254.169.254/latest', {}, 'x')).toMatchObject({
      status: null,
      errorClass: 'blocked_address',
    });
    await strict.close();
    await sut.close();
  });

  it('should refuse a header value no HTTP request may carry, without throwing', async () => {
    const sut = client();
    const r = await sut.post(`${base}/ok`, { 'x-bad': 'a\r\nb' }, 'x');
    expect(r).toMatchObject({ status: null, body: null, errorClass: 'connection_error' });
    expect(r.error).toMatch(/header/i);
    await sut.close();
  });
});
