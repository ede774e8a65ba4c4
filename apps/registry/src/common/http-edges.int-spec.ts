import { startRegistry, type RegistryHarness } from '../testing/registry-harness';

const EVENT = '{"event":"ignite.deployment.deleted","data":{"deployment_id":"d","project_id":"p"}}';

interface ErrorBody {
  error: { code: string; details: { field: string; message: string }[] };
}
const errorOf = async (res: Response) => ((await res.json()) as ErrorBody).error;

/**
 * The HTTP edge every route shares: how bodies are read and refused, request ids, unknown routes,
 * static files and the per-route metrics. Each refusal is the API's JSON error, never a 500.
 */
describe('HTTP edge', () => {
  let r: RegistryHarness;
  let key: string;
  const post = (
    path: string,
    body: string | ReadableStream<Uint8Array>,
    headers: Record<string, string> = {},
  ) =>
    fetch(r.url + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      body,
      duplex: 'half',
    } as RequestInit);

  beforeAll(async () => {
    r = await startRegistry();
    key = (await r.project('edges')).apiKey;
  });
  afterAll(() => r?.close());

  it('should answer 400 naming the body for text that is not JSON', async () => {
    const res = await post('/v1/events', '{"event": ');
    expect(res.status).toBe(400);
    expect((await errorOf(res)).details).toEqual([{ field: 'body', message: 'not valid JSON' }]);
  });

  it('should refuse a charset other than UTF-8 and a content encoding with 415', async () => {
    const latin1 = await post('/v1/events', EVENT, {
      'content-type': 'application/json; charset=iso-8859-1',
    });
    expect(latin1.status).toBe(415);
    expect((await errorOf(latin1)).code).toBe('unsupported_media_type');
    const gzip = await post('/v1/events', EVENT, { 'content-encoding': 'gzip' });
    expect(gzip.status).toBe(415);
    expect((await errorOf(gzip)).details[0].field).toBe('content-encoding');
    const utf8 = await post('/v1/events', EVENT, {
      'content-type': 'application/json; charset=UTF-8',
    });
    expect(utf8.status).toBe(202);
  });

  it('should answer 413 for a streamed body over 256 KiB (no Content-Length)', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ === 0) controller.enqueue(new TextEncoder().encode('{"event":"'));
        else if (sent < 10) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await post('/v1/events', stream);
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe('payload_too_large');
  });

  it('should answer 400, not 500, for a path that is not valid percent-encoding', async () => {
    const res = await fetch(`${r.url}/v1/webhooks/%E0%A4%A`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe('invalid_request');
  });

  it("should echo the caller's request id (bounded) and make one otherwise", async () => {
    const given = await fetch(`${r.url}/healthz`, { headers: { 'x-request-id': 'r'.repeat(150) } });
    expect(given.headers.get('x-request-id')).toBe('r'.repeat(100));
    const made = await fetch(`${r.url}/healthz`);
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('should answer an unknown route 404 in JSON, and ignore a trailing slash', async () => {
    const missing = await r.call('GET', '/v1/nothing-here', { token: key });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
    expect((await r.call('GET', '/v1/webhooks/', { token: key })).status).toBe(200);
    const head = await fetch(`${r.url}/healthz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
  });

  it('should serve static files, never outside their folder, with the framing headers', async () => {
    const css = await fetch(`${r.url}/docs/assets/swagger-ui.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect(css.headers.get('x-frame-options')).toBe('DENY');
    expect(css.headers.get('x-request-id')).toBeTruthy();
    const etag = css.headers.get('etag')!;
    const again = await fetch(`${r.url}/docs/assets/swagger-ui.css`, {
      // fetch would add `Cache-Control: no-cache` to a conditional request, which forbids a 304.
      headers: { 'if-none-match': etag, 'cache-control': 'max-age=0' },
    });
    expect(again.status).toBe(304);
    expect((await fetch(`${r.url}/docs/assets/nothing.css`)).status).toBe(404);
    for (const path of ['/docs/assets/..%2Fpackage.json', '/docs/assets/%2e%2e/package.json']) {
      expect([path, (await fetch(r.url + path)).status]).not.toEqual([path, 200]);
    }
  });

  it('should count requests by route pattern, not by path', async () => {
    await r.call('GET', '/v1/webhooks/wh_missing', { token: key });
    const metrics = await (await fetch(`${r.url}/metrics`)).text();
    expect(metrics).toMatch(
      /hookline_registry_http_requests_total\{[^}]*method="GET",route="\/v1\/webhooks\/:id",status="404"[^}]*\} \d+/,
    );
    expect(metrics).toMatch(/route="unmatched"/);
    expect(metrics).not.toMatch(/wh_missing/);
  });
});
