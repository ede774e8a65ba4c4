import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HooklineApiError, HooklineConnectionError } from './errors';
import { HooklineClient } from './hookline-client';

interface Seen {
  method: string;
  url: string;
  authorization?: string;
  contentType?: string;
  body: string;
}

type Handler = (req: Seen) => { status: number; body?: unknown; headers?: Record<string, string> };

/** A fake API on a loopback port: records each request and answers what the test says. */
async function fakeApi(
  handler: Handler,
): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const request = {
        method: req.method!,
        url: req.url!,
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        body,
      };
      seen.push(request);
      const answer = handler(request);
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(
        answer.body === undefined
          ? ''
          : typeof answer.body === 'string'
            ? answer.body
            : JSON.stringify(answer.body),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe(HooklineClient.name, () => {
  it('should call the recovery and event-log routes with their bodies and filters', async () => {
    const api = await fakeApi(() => ({ status: 202, body: { id: 'rec_1', data: [] } }));
    try {
      const sut = new HooklineClient({ baseUrl: api.url, apiKey: 'hlk_abc' });
      await sut.recoveries.recover('wh_1', { since: '2026-12-01T00:00:00Z' });
      await sut.recoveries.redeliver({ status: 'failed', since: '2026-12-01T00:00:00Z' });
      await sut.recoveries.get('rec_1');
      await sut.events.page({ type: 'project.updated', limit: 2 });
      await sut.events.deliveries('evt_1');
      expect(api.seen.map((r) => `${r.method} ${r.url} ${r.body}`)).toEqual([
        'POST /v1/webhooks/wh_1/recover {"since":"2026-12-01T00:00:00Z"}',
        'POST /v1/deliveries/redeliver {"status":"failed","since":"2026-12-01T00:00:00Z"}',
        'GET /v1/recoveries/rec_1 ',
        'GET /v1/events?type=project.updated&limit=2 ',
        'GET /v1/events/evt_1/deliveries ',
      ]);
    } finally {
      await api.close();
    }
  });

  it('should send the API key, a JSON body and the create fields', async () => {
    const api = await fakeApi(() => ({ status: 201, body: { id: 'wh_1', secret: 'whsec_x' } }));
    try {
      const sut = new HooklineClient({ baseUrl: `${api.url}/`, apiKey: 'hlk_abc' });
      const created = await sut.webhooks.create('https://example.com/in', ['*'], {
        description: 'ops',
        signature_scheme: 'hop',
      });
      expect(created.secret).toBe('whsec_x');
      expect(api.seen[0]).toMatchObject({
        method: 'POST',
        url: '/v1/webhooks',
        authorization: 'Bearer hlk_abc',
        contentType: 'application/json',
      });
      expect(JSON.parse(api.seen[0]!.body)).toEqual({
        url: 'https://example.com/in',
        events: ['*'],
        description: 'ops',
        signature_scheme: 'hop',
      });
    } finally {
      await api.close();
    }
  });

  it('should walk every page of a list, by item and by page', async () => {
    const pages: Record<string, { data: { id: string }[]; next_cursor: string | null }> = {
      '': { data: [{ id: 'wh_1' }, { id: 'wh_2' }], next_cursor: 'wh_2' },
      wh_2: { data: [{ id: 'wh_3' }, { id: 'wh_4' }], next_cursor: 'wh_4' },
      wh_4: { data: [{ id: 'wh_5' }], next_cursor: null },
    };
    const api = await fakeApi((req) => ({
      status: 200,
      body: pages[new URL(req.url, 'http://x').searchParams.get('cursor') ?? ''],
    }));
    try {
      const sut = new HooklineClient({ baseUrl: api.url, apiKey: 'hlk_abc' });
      const ids: string[] = [];
      for await (const w of sut.webhooks.list({ pageSize: 2 })) ids.push(w.id);
      expect(ids).toEqual(['wh_1', 'wh_2', 'wh_3', 'wh_4', 'wh_5']);
      expect(api.seen.map((s) => s.url)).toEqual([
        '/v1/webhooks?limit=2',
        '/v1/webhooks?limit=2&cursor=wh_2',
        '/v1/webhooks?limit=2&cursor=wh_4',
      ]);

      const sizes: number[] = [];
      for await (const page of sut.webhooks.list({ pageSize: 2 }).pages())
        sizes.push(page.data.length);
      expect(sizes).toEqual([2, 2, 1]);
      expect(await sut.webhooks.list().toArray()).toHaveLength(5);
    } finally {
      await api.close();
    }
  });

  it('should read and replace the notification addresses with GET and PUT /v1/notifications', async () => {
    const settings = {
      emails: ['ops@example.com'],
      events: ['webhook.disabled'],
      mail_enabled: true,
    };
    const api = await fakeApi(() => ({ status: 200, body: settings }));
    try {
      const sut = new HooklineClient({ baseUrl: api.url, apiKey: 'hlk_abc' });
      expect(await sut.notifications.get()).toEqual(settings);
      expect(await sut.notifications.set(['ops@example.com'], ['webhook.disabled'])).toEqual(
        settings,
      );
      await sut.notifications.set(['ops@example.com']);
      expect(api.seen.map((r) => [r.method, r.url, r.body])).toEqual([
        ['GET', '/v1/notifications', ''],
        [
          'PUT',
          '/v1/notifications',
          JSON.stringify({ emails: ['ops@example.com'], events: ['webhook.disabled'] }),
        ],
        ['PUT', '/v1/notifications', JSON.stringify({ emails: ['ops@example.com'] })],
      ]);
    } finally {
      await api.close();
    }
  });

  it('should stop requesting pages when the caller stops iterating', async () => {
    const api = await fakeApi(() => ({
      status: 200,
      body: { data: [{ id: 'd_1' }], next_cursor: 'd_1' },
    }));
    try {
      const sut = new HooklineClient({ baseUrl: api.url, apiKey: 'hlk_abc' });
      for await (const d of sut.deliveries.list('wh_1', {
        status: 'failed',
        event: 'project.updated',
        since: '2026-01-01T00:00:00Z',
      })) {
        expect(d.id).toBe('d_1');
        break;
      }
      expect(api.seen).toHaveLength(1);
      expect(api.seen[0]!.url).toBe(
        '/v1/webhooks/wh_1/deliveries?status=failed&event=project.updated&since=2026-01-01T00%3A00%3A00Z',
      );
    } finally {
      await api.close();
    }
  });

  it('should throw HooklineApiError with the status, the error body and the request id', async () => {
    const body = {
      error: {
        code: 'invalid_request',
        message: 'invalid body: url',
        details: [{ field: 'url', message: 'must be an https URL' }],
      },
    };
    const api = await fakeApi(() => ({ status: 400, body, headers: { 'x-request-id': 'req-1' } }));
    try {
      const sut = new HooklineClient({ baseUrl: api.url, apiKey: 'hlk_abc' });
      const error = await sut.webhooks.create('http://example.com', ['*']).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HooklineApiError);
      expect(error).toMatchObject({
        status: 400,
        code: 'invalid_request',
        requestId: 'req-1',
        body,
      });
      expect((error as HooklineApiError).details).toEqual([
        { field: 'url', message: 'must be an https URL' },
      ]);
    } finally {
      await api.close();
    }
  });

  it('should throw HooklineApiError without a body when the answer is not the API error shape', async () => {
    const api = await fakeApi(() => ({ status: 502, body: '<html>bad gateway</html>' }));
    try {
      const error = await new HooklineClient({ baseUrl: api.url }).eventTypes
        .list()
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 502, body: undefined, details: [] });
    } finally {
      await api.close();
    }
  });

  it('should use the admin token for projects.create, per call or from the options', async () => {
    const api = await fakeApi(() => ({ status: 201, body: { id: 'prj_1', api_key: 'hlk_new' } }));
    try {
      await new HooklineClient({
        baseUrl: api.url,
        apiKey: 'hlk_abc',
        adminToken: 'admin-a',
      }).projects.create('A');
      await new HooklineClient({ baseUrl: api.url }).projects.create('B', {
        adminToken: 'admin-b',
      });
      expect(api.seen.map((s) => s.authorization)).toEqual(['Bearer admin-a', 'Bearer admin-b']);
    } finally {
      await api.close();
    }
  });

  it('should name the paths of rotate, test, redeliver and publish, and answer nothing for a 204', async () => {
    const api = await fakeApi((req) =>
      req.method === 'DELETE' ? { status: 204 } : { status: 200, body: { ok: true } },
    );
    try {
      const sut = new HooklineClient({ baseUrl: api.url, apiKey: 'hlk_abc' });
      await sut.webhooks.rotateSecret('wh_1', 0);
      await sut.webhooks.test('wh_1');
      await sut.deliveries.redeliver('msg_1');
      const project = { project_id: 'p1', name: 'Acme', tier: 'pro', region: 'eu-west' } as const;
      await sut.events.publish('project.updated', project, {
        id: 'evt_1',
        occurredAt: '2026-01-01T00:00:00Z',
      });
      expect(await sut.webhooks.delete('wh_1')).toBeUndefined();
      expect(api.seen.map((s) => `${s.method} ${s.url}`)).toEqual([
        'POST /v1/webhooks/wh_1/secret/rotate',
        'POST /v1/webhooks/wh_1/test',
        'POST /v1/deliveries/msg_1/redeliver',
        'POST /v1/events',
        'DELETE /v1/webhooks/wh_1',
      ]);
      expect(JSON.parse(api.seen[0]!.body)).toEqual({ transition_hours: 0 });
      expect(JSON.parse(api.seen[3]!.body)).toMatchObject({
        event: 'project.updated',
        id: 'evt_1',
        occurred_at: '2026-01-01T00:00:00Z',
      });
    } finally {
      await api.close();
    }
  });

  it('should throw HooklineConnectionError when the API cannot be reached', async () => {
    const api = await fakeApi(() => ({ status: 200 }));
    await api.close();
    await expect(
      new HooklineClient({ baseUrl: api.url, apiKey: 'hlk_abc' }).webhooks.get('wh_1'),
    ).rejects.toBeInstanceOf(HooklineConnectionError);
  });
});
