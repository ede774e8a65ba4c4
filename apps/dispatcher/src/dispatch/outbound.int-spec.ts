import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pollUntil } from '@hookline/testing';
import { DispatcherHarness } from '../testing/dispatcher-harness';
import { answerTenMegabytes } from '../testing/huge-answer';
import { systemResolver, type Resolver } from './guarded-lookup';
import { WebhookHttpClient } from './webhook-http.client';

/** An endpoint whose behaviour is chosen by the request path. */
interface Endpoint {
  url: string;
  hits: Map<string, number>;
  /** Responses to /huge that the client cut off before their end. */
  hugeCutOff: number;
  close(): Promise<void>;
}

async function startEndpoint(): Promise<Endpoint> {
  const hits = new Map<string, number>();
  const hanging = new Set<ServerResponse>();
  const endpoint = { hits, hugeCutOff: 0 } as Endpoint;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    req.resume();
    req.on('end', () => {
      if (path === '/redirect')
        return res.writeHead(302, { location: `${endpoint.url}/redirected` }).end();
      if (path === '/hang') return void hanging.add(res); // headers never come
      if (path === '/huge') {
        // 10 MB of body: the dispatcher must stop reading at its cap and drop the connection.
        return answerTenMegabytes(res, 'x', () => endpoint.hugeCutOff++);
      }
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  endpoint.close = async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  };
  return endpoint;
}

describe(`${WebhookHttpClient.name} in the dispatcher: outbound safety`, () => {
  let h: DispatcherHarness;
  let endpoint: Endpoint;
  // A name that resolves to the cloud metadata address, as a hostile DNS record would.
  const resolver: Resolver = (hostname) =>
    hostname === 'metadata.hookline.test'
      ? Promise.resolve([{ address: '169.254.169.254', family: 4 }])
      : systemResolver(hostname);

  beforeAll(async () => {
    endpoint = await startEndpoint();
    h = await DispatcherHarness.start({ timeout: '1s', schedule: '30s', dispatcher: { resolver } });
  });
  afterAll(async () => {
    await h?.stop();
    await endpoint?.close();
  });

  it('should not follow a redirect: a 3xx is a failed attempt', async () => {
    const { row } = await h.webhook({ url: `${endpoint.url}/redirect` });
    const task = await h.task(row.id);

    const [attempt] = await h.waitForAttempts(task.delivery_id, 1);

    expect(attempt).toMatchObject({ response_status: 302, error_class: 'redirect' });
    expect(endpoint.hits.get('/redirected')).toBeUndefined();
  });

  it('should time out a hanging endpoint without holding up a healthy one on the same partition', async () => {
    const hang = await h.webhook({ url: `${endpoint.url}/hang` });
    const healthy = await h.webhook({ url: `${endpoint.url}/ok` });
    const stuck = await h.task(hang.row.id, { partition: 0 });
    const sentAt = Date.now();
    const fine = await h.task(healthy.row.id, { partition: 0 });

    const [ok] = await h.waitForAttempts(fine.delivery_id, 1);
    const [timedOut] = await h.waitForAttempts(stuck.delivery_id, 1);

    expect(ok).toMatchObject({ response_status: 200, error_class: null });
    // Delivered while the hanging request still waited for its deadline.
    expect(new Date(ok!.started_at).getTime() - sentAt).toBeLessThan(900);
    expect(timedOut).toMatchObject({ response_status: null, error_class: 'timeout' });
    expect(timedOut!.duration_ms).toBeGreaterThanOrEqual(950);
    expect(timedOut!.duration_ms).toBeLessThan(3000);
  });

  it('should read a 10 MB response only up to its cap and keep 4 KiB of it', async () => {
    const { row } = await h.webhook({ url: `${endpoint.url}/huge` });
    const task = await h.task(row.id);

    const [attempt] = await h.waitForAttempts(task.delivery_id, 1);

    expect(attempt).toMatchObject({ response_status: 200, error_class: null });
    expect(attempt!.response_body!.length).toBeLessThanOrEqual(4096);
    await pollUntil(() => endpoint.hugeCutOff >= 1, {
      timeoutMs: 5000,
      message: 'the 10 MB response cut off by the client',
    });
  });

  it.each([
    ['a host name that resolves to the metadata address', 'http://metadata.hookline.test/hook'],
    ['the metadata address written as one decimal number', 'http://2852039166/'],
    ['the metadata address as an IPv4-mapped IPv6 address', 'http://[::ffff:169.254.169.254]/'],
  ])('should refuse %s', async (_, url) => {
    const { row } = await h.webhook({ url });
    const task = await h.task(row.id);

    const [attempt] = await h.waitForAttempts(task.delivery_id, 1);

    expect(attempt).toMatchObject({ response_status: null, error_class: 'blocked_address' });
    expect(attempt!.error).toMatch(/blocked|metadata/i);
  });

  it('should count attempts by outcome and time them on /metrics', async () => {
    const text = await h.dispatcher!.registry.metrics();

    expect(text).toMatch(/hookline_dispatcher_attempts_total\{[^}]*outcome="success"[^}]*\} [1-9]/);
    expect(text).toMatch(
      /hookline_dispatcher_attempts_total\{[^}]*outcome="blocked_address"[^}]*\} [1-9]/,
    );
    expect(text).toMatch(/hookline_dispatcher_attempt_duration_seconds_bucket/);
    expect(text).toMatch(/hookline_dispatcher_in_flight_requests/);
  });
});
