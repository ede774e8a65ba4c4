import { request } from 'node:http';
import { status } from '@grpc/grpc-js';
import { Pool } from 'pg';
import { deliveryId, newId } from '@hookline/contracts';
import { HooklineGrpcClient, HooklineGrpcError } from '@hookline/sdk/grpc';
import { freePort, pollUntil } from '@hookline/testing';
import { startRegistry, type RegistryHarness, type SharedStack } from '../testing/registry-harness';
import { ProjectRateLimitInterceptor } from './project-rate-limit.interceptor';

/** A call from another client address (the loopback network is 127/8; the server is on .1). */
function callFrom(
  localAddress: string,
  url: string,
  method: string,
  path: string,
  token?: string,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ status: number; headers: Record<string, unknown>; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url + path,
      {
        method,
        localAddress,
        headers: token ? { authorization: `Bearer ${token}` } : {},
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () =>
          resolve({ status: res.statusCode!, headers: res.headers, body: JSON.parse(text) }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const hookBody = { url: 'http://127.0.0.1:4000/hook', events: ['*'] };

describe(ProjectRateLimitInterceptor.name, () => {
  let r: RegistryHarness & SharedStack;
  let pg: Pool;

  beforeAll(async () => {
    r = await startRegistry({
      HOOKLINE_MAX_WEBHOOKS_PER_PROJECT: '2',
      HOOKLINE_TEST_PINGS_PER_MINUTE: '2',
      HOOKLINE_REDELIVERIES_PER_MINUTE: '2',
      HOOKLINE_AUTH_FAILURES_PER_MINUTE: '3',
      HOOKLINE_AUTH_LOCKOUT: '2s',
      // A test ping answers `pending` after the timeout and a 10 s margin (no dispatcher runs here).
      HOOKLINE_DELIVERY_TIMEOUT: '1ms',
    });
    pg = new Pool({ connectionString: r.db.url });
  });
  afterAll(async () => {
    await pg?.end();
    await r?.close();
  });

  describe('with a tight API rate (a replica of its own)', () => {
    let tight: RegistryHarness;

    beforeAll(async () => {
      tight = await startRegistry(
        {
          HOOKLINE_API_RATE_LIMIT: '1',
          HOOKLINE_API_RATE_BURST: '5',
          HOOKLINE_INGEST_RATE_LIMIT: '100',
          HOOKLINE_INGEST_RATE_BURST: '100',
          HOOKLINE_GRPC_PORT: String(await freePort()),
        },
        r,
      );
    });
    afterAll(() => tight?.stop());

    it('should answer 429 with Retry-After and RateLimit headers past the burst, while another project goes on', async () => {
      const a = await r.project('Busy');
      const b = await r.project('Quiet');
      const answers = await Promise.all([
        ...Array.from({ length: 9 }, () => tight.call('GET', '/v1/webhooks', { token: a.apiKey })),
        tight.call('GET', '/v1/webhooks', { token: b.apiKey }),
      ]);
      const quiet = answers.pop()!;
      expect(quiet.status).toBe(200);
      expect(quiet.headers.get('ratelimit-remaining')).toBe('4');

      const ok = answers.filter((res) => res.status === 200);
      const refused = answers.filter((res) => res.status === 429);
      expect(ok.length + refused.length).toBe(9);
      expect(ok.length).toBeGreaterThanOrEqual(5);
      expect(refused.length).toBeGreaterThanOrEqual(2);
      for (const res of ok) {
        expect(res.headers.get('ratelimit-limit')).toBe('5');
        expect(res.headers.get('x-ratelimit-limit')).toBe('5');
      }
      for (const res of refused) {
        expect(res.body.error.code).toBe('rate_limited');
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        expect(res.headers.get('ratelimit-remaining')).toBe('0');
        expect(Number(res.headers.get('ratelimit-reset'))).toBeGreaterThanOrEqual(1);
        expect(Number(res.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
      }

      // Ingest draws from its own bucket: the API's being empty does not stop events.
      const event = await tight.call('POST', '/v1/events', {
        token: a.apiKey,
        body: {
          event: 'ignite.deployment.deleted',
          data: { deployment_id: 'dep_x', project_id: 'acme' },
        },
      });
      expect(event.status).toBe(202);
      expect(event.headers.get('ratelimit-limit')).toBe('100');

      // The bucket refills at the rate.
      await pollUntil(
        async () => (await tight.call('GET', '/v1/webhooks', { token: a.apiKey })).status === 200,
        { timeoutMs: 5000, message: 'a token back' },
      );
    });

    it('should limit gRPC calls from the same bucket, as RESOURCE_EXHAUSTED', async () => {
      const p = await r.project('Busy over gRPC');
      const client = new HooklineGrpcClient({
        address: `127.0.0.1:${tight.config.HOOKLINE_GRPC_PORT}`,
        apiKey: p.apiKey,
      });
      try {
        const answers = await Promise.all(
          Array.from({ length: 9 }, () =>
            client.webhooks.page().then(
              () => 'ok',
              (e: unknown) => e,
            ),
          ),
        );
        const refused = answers.filter(
          (a): a is HooklineGrpcError => a instanceof HooklineGrpcError,
        );
        expect(refused.length).toBeGreaterThanOrEqual(2);
        for (const e of refused) {
          expect(e.status).toBe(status.RESOURCE_EXHAUSTED);
          expect(e.code).toBe('rate_limited');
        }
      } finally {
        client.close();
      }
    });

    it('should not limit the admin token', async () => {
      for (let i = 0; i < 8; i++)
        expect((await tight.call('GET', '/v1/projects', { token: tight.adminToken })).status).toBe(
          200,
        );
    });
  });

  it('should refuse a webhook past the project limit with 409, and take one again after a delete', async () => {
    const p = await r.project('Full');
    const first = await r.call('POST', '/v1/webhooks', { token: p.apiKey, body: hookBody });
    expect(first.status).toBe(201);
    expect((await r.call('POST', '/v1/webhooks', { token: p.apiKey, body: hookBody })).status).toBe(
      201,
    );
    const third = await r.call('POST', '/v1/webhooks', { token: p.apiKey, body: hookBody });
    expect(third.status).toBe(409);
    expect(third.body.error.code).toBe('webhook_limit_reached');
    expect(third.body.error.message).toMatch(/HOOKLINE_MAX_WEBHOOKS_PER_PROJECT=2/);

    const other = await r.project('Empty');
    expect(
      (await r.call('POST', '/v1/webhooks', { token: other.apiKey, body: hookBody })).status,
    ).toBe(201);

    expect(
      (await r.call('DELETE', `/v1/webhooks/${first.body.id}`, { token: p.apiKey })).status,
    ).toBe(204);
    expect((await r.call('POST', '/v1/webhooks', { token: p.apiKey, body: hookBody })).status).toBe(
      201,
    );
  });

  it('should limit test pings per webhook per minute, counting only pings that were sent', async () => {
    const p = await r.project('Pinger');
    const hook = (id: string) => `/v1/webhooks/${id}/test`;
    const [one, two] = await Promise.all(
      [0, 1].map(
        async () =>
          (await r.call('POST', '/v1/webhooks', { token: p.apiKey, body: hookBody })).body
            .id as string,
      ),
    );
    // Refused pings (unknown webhook) give their token back.
    for (let i = 0; i < 3; i++)
      expect((await r.call('POST', hook('wh_unknown'), { token: p.apiKey })).status).toBe(404);

    const answers = await Promise.all([
      ...[0, 1, 2].map(() => r.call('POST', hook(one!), { token: p.apiKey })),
      r.call('POST', hook(two!), { token: p.apiKey }),
    ]);
    const other = answers.pop()!;
    expect(other.status).toBe(200);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 429]);
    const refused = answers.find((a) => a.status === 429)!;
    expect(refused.body.error.message).toMatch(/test pings per webhook/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(20);
  }, 60_000);

  it('should limit redeliveries per project per minute, another project unaffected', async () => {
    const seed = async (apiKey: string, projectId: string) => {
      const webhookId = (await r.call('POST', '/v1/webhooks', { token: apiKey, body: hookBody }))
        .body.id as string;
      const eventId = newId('event');
      const id = deliveryId(eventId, webhookId);
      const event = {
        id: eventId,
        project_id: projectId,
        event: 'project.updated',
        occurred_at: new Date().toISOString(),
        data: {},
      };
      await pg.query(
        `insert into deliveries (id, webhook_id, project_id, event_id, event_type, status, attempts, event)
         values ($1, $2, $3, $4, 'project.updated', 'failed', 1, $5)`,
        [id, webhookId, projectId, eventId, JSON.stringify(event)],
      );
      return id;
    };
    const p = await r.project('Redeliverer');
    const q = await r.project('Neighbour');
    const [mine, theirs] = [await seed(p.apiKey, p.id), await seed(q.apiKey, q.id)];
    const redeliver = (id: string, token: string) =>
      r.call('POST', `/v1/deliveries/${id}/redeliver`, { token });

    for (let i = 0; i < 3; i++) expect((await redeliver('dlv_unknown', p.apiKey)).status).toBe(404);
    expect((await redeliver(mine, p.apiKey)).status).toBe(202);
    expect((await redeliver(mine, p.apiKey)).status).toBe(202);
    const refused = await redeliver(mine, p.apiKey);
    expect(refused.status).toBe(429);
    expect(refused.body.error.message).toMatch(/redeliveries per project/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(20);
    expect((await redeliver(theirs, q.apiKey)).status).toBe(202);
  });

  it('should refuse an address that presented too many bad admin tokens or API keys with 429 for a while, and no one else', async () => {
    const p = await r.project('Guessed');
    const guesser = '127.0.0.2';
    for (let i = 0; i < 4; i++) {
      const bad = await callFrom(
        guesser,
        r.url,
        'GET',
        '/v1/projects',
        `admin_guess_${i}_xxxxxxxx`,
      );
      expect(bad.status).toBe(401);
    }
    // Locked: even the right token is refused (a pass would tell a guesser which guess was right).
    const locked = await callFrom(guesser, r.url, 'GET', '/v1/projects', r.adminToken);
    expect(locked.status).toBe(429);
    expect(locked.body.error.code).toBe('rate_limited');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await callFrom(guesser, r.url, 'GET', '/v1/webhooks', p.apiKey)).status).toBe(429);

    // Everyone else: answered as usual, bad tokens with 401, good ones at once.
    expect((await r.call('GET', '/v1/projects', { token: r.adminToken })).status).toBe(200);
    expect((await r.call('GET', '/v1/projects', { token: 'admin_wrong_xxxxxxxxxx' })).status).toBe(
      401,
    );
    expect((await callFrom('127.0.0.3', r.url, 'GET', '/v1/webhooks', p.apiKey)).status).toBe(200);

    await pollUntil(
      async () =>
        (await callFrom(guesser, r.url, 'GET', '/v1/projects', r.adminToken)).status === 200,
      { timeoutMs: 10_000, message: 'lockout over' },
    );

    // Bad API keys count the same; requests without credentials do not count at all.
    const keyGuesser = '127.0.0.4';
    for (let i = 0; i < 10; i++)
      expect((await callFrom(keyGuesser, r.url, 'GET', '/v1/webhooks')).status).toBe(401);
    expect((await callFrom(keyGuesser, r.url, 'GET', '/v1/webhooks', p.apiKey)).status).toBe(200);
    for (let i = 0; i < 4; i++)
      expect(
        (await callFrom(keyGuesser, r.url, 'GET', '/v1/webhooks', `hlk_guess${i}`)).status,
      ).toBe(401);
    expect((await callFrom(keyGuesser, r.url, 'GET', '/v1/webhooks', p.apiKey)).status).toBe(429);
    expect((await r.call('GET', '/v1/webhooks', { token: p.apiKey })).status).toBe(200);
  });
  it('should count by the forwarded client address behind a trusted proxy', async () => {
    const proxied = await startRegistry(
      { HOOKLINE_TRUST_PROXY: '1', HOOKLINE_AUTH_FAILURES_PER_MINUTE: '1' },
      r,
    );
    try {
      const call = (client: string, token: string) =>
        fetch(`${proxied.url}/v1/projects`, {
          headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': client },
        }).then((res) => res.status);
      expect(await call('203.0.113.9', 'admin_guess_1_xxxxxxxx')).toBe(401);
      expect(await call('203.0.113.9', 'admin_guess_2_xxxxxxxx')).toBe(401);
      expect(await call('203.0.113.9', proxied.adminToken)).toBe(429);
      // The proxy's own address (every client's socket) is not the one locked out.
      expect(await call('203.0.113.10', proxied.adminToken)).toBe(200);
    } finally {
      await proxied.stop();
    }
  });
});
