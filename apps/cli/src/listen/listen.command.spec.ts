import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateSecret, signHeaders, type Scheme } from '@hookline/signing';
import { freePort, pollUntil } from '@hookline/testing';
import { runCli } from '../cli';
import { CapturedIo } from '../testing/captured-io';

function payload(event = 'project.updated') {
  return JSON.stringify({
    id: 'evt_listen_1',
    webhook_id: 'wh_listen_1',
    project_id: 'prj_listen',
    event,
    occurred_at: new Date(Date.now() - 250).toISOString(),
    data: { project_id: 'prj_listen', name: 'Demo', tier: 'pro', region: 'eu-west-1' },
  });
}

function signed(
  body: string,
  secrets: string[],
  scheme: Scheme = 'standard',
  msgId = 'msg_listen_1',
) {
  return signHeaders({ scheme, secrets, msgId, timestamp: Math.floor(Date.now() / 1000), body });
}

/** Runs `hookline listen …` in-process until the test ends; answers the listening URL. */
async function startListen(args: string[], env: NodeJS.ProcessEnv = {}) {
  const io = new CapturedIo(env);
  let release!: () => void;
  const stopped = new Promise<void>((r) => (release = r));
  const exit = runCli(['listen', '--port', '0', ...args], { io, stop: () => stopped });
  const url = await pollUntil(
    () => io.stderr.join('\n').match(/Listening on (http:\/\/\S+?),/)?.[1],
    {
      timeoutMs: 5_000,
      message: 'the listening line',
    },
  );
  return {
    io,
    url,
    stop: async () => {
      release();
      return exit;
    },
  };
}

describe('hookline listen', () => {
  const secret = generateSecret();
  let listen: Awaited<ReturnType<typeof startListen>> | undefined;

  afterEach(async () => {
    await listen?.stop();
    listen = undefined;
  });

  it('should verify a signed POST, print it as valid and answer 200', async () => {
    listen = await startListen(['--secret', secret]);
    const body = payload();
    const res = await fetch(`${listen.url}/hook`, {
      method: 'POST',
      headers: signed(body, [secret]),
      body,
    });
    expect(res.status).toBe(200);
    const line = await pollUntil(() => listen!.io.stdout.find((l) => l.includes('evt_listen_1')), {
      timeoutMs: 5_000,
    });
    expect(line).toContain('✓ valid');
    expect(line).toContain('project.updated');
    expect(line).toContain('msg_listen_1');
    expect(line).toMatch(/latency \d+ ms/);
    await expect(listen.stop()).resolves.toBe(0);
  });

  it('should print a bad signature as invalid and answer 400', async () => {
    listen = await startListen(['--secret', secret]);
    const body = payload();
    const res = await fetch(listen.url, {
      method: 'POST',
      headers: signed(body, [generateSecret()]),
      body,
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('Invalid signature\n');
    const line = await pollUntil(() => listen!.io.stdout.find((l) => l.includes('evt_listen_1')), {
      timeoutMs: 5_000,
    });
    expect(line).toContain('✗ invalid');
    expect(line).toContain('(Invalid signature)');
  });

  it('should detect every scheme from the headers and accept either secret of a rotation', async () => {
    const older = generateSecret();
    listen = await startListen(['--secret', secret, '--secret', older, '--json']);
    const schemes: Scheme[] = ['standard', 'hop', 'hostwares', 'hub-sha512', 'github'];
    for (const scheme of schemes) {
      const body = payload();
      const res = await fetch(listen.url, {
        method: 'POST',
        headers: signed(body, [older], scheme, `msg_${scheme}`),
        body,
      });
      expect(res.status).toBe(200);
    }
    const records = await pollUntil(
      () =>
        listen!.io.stdout.length === schemes.length
          ? listen!.io.stdout.map((l) => JSON.parse(l))
          : undefined,
      {
        timeoutMs: 5_000,
      },
    );
    expect(records.map((r) => [r.scheme, r.signature, r.msg_id])).toEqual(
      schemes.map((s) => [s, 'valid', `msg_${s}`]),
    );
    expect(records[0]).toMatchObject({
      event: 'project.updated',
      id: 'evt_listen_1',
      webhook_id: 'wh_listen_1',
      status: 200,
    });
    expect(records[0].latency_ms).toBeGreaterThanOrEqual(0);
  });

  it('should report an unsigned request and a stale timestamp as invalid', async () => {
    listen = await startListen(['--json'], { HOOKLINE_WEBHOOK_SECRET: secret });
    const body = payload();
    const stale = signHeaders({
      scheme: 'standard',
      secrets: [secret],
      msgId: 'msg_old',
      timestamp: Math.floor(Date.now() / 1000) - 600,
      body,
    });
    expect((await fetch(listen.url, { method: 'POST', headers: stale, body })).status).toBe(400);
    expect((await fetch(listen.url, { method: 'POST', body })).status).toBe(400);
    const records = await pollUntil(
      () =>
        listen!.io.stdout.length === 2 ? listen!.io.stdout.map((l) => JSON.parse(l)) : undefined,
      { timeoutMs: 5_000 },
    );
    expect(records.map((r) => [r.signature, r.reason])).toEqual([
      ['invalid', 'Timestamp outside tolerance'],
      ['invalid', 'Missing header: no signature header'],
    ]);
  });

  it('should forward the same bytes and headers and answer with the forwarded reply', async () => {
    const received: { body: string; headers: Record<string, unknown> }[] = [];
    const app: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
        res.writeHead(202).end('queued');
      });
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', () => r()));
    try {
      const target = `http://127.0.0.1:${(app.address() as AddressInfo).port}/app/hook`;
      listen = await startListen(['--secret', secret, '--forward', target]);
      const body = payload();
      const headers = signed(body, [secret]);
      const res = await fetch(listen.url, { method: 'POST', headers, body });
      expect(res.status).toBe(202);
      expect(await res.text()).toBe('queued');
      expect(received).toHaveLength(1);
      expect(received[0]!.body).toBe(body);
      expect(received[0]!.headers['webhook-signature']).toBe(headers['webhook-signature']);
      const line = await pollUntil(
        () => listen!.io.stdout.find((l) => l.includes('evt_listen_1')),
        { timeoutMs: 5_000 },
      );
      expect(line).toMatch(/✓ valid .*→ 202 in \d+ ms/);
    } finally {
      app.closeAllConnections();
      await new Promise<void>((r) => app.close(() => r()));
    }
  });

  it('should answer 502 when the forward target is down', async () => {
    listen = await startListen([
      '--secret',
      secret,
      '--forward',
      `http://127.0.0.1:${await freePort()}/down`,
      '--json',
    ]);
    const body = payload();
    const res = await fetch(listen.url, { method: 'POST', headers: signed(body, [secret]), body });
    expect(res.status).toBe(502);
    const record = await pollUntil(() => listen!.io.stdout[0] && JSON.parse(listen!.io.stdout[0]), {
      timeoutMs: 5_000,
    });
    expect(record).toMatchObject({
      signature: 'valid',
      status: 502,
      forward: { error: 'ECONNREFUSED' },
    });
  });

  it('should refuse a bad flag value with one line and exit code 2', async () => {
    const io = new CapturedIo();
    await expect(
      runCli(['listen', '--secret', 'not-a-secret'], { io, stop: async () => undefined }),
    ).resolves.toBe(2);
    expect(io.stderr).toEqual([
      "hookline: --secret must be a webhook secret (whsec_…), got 'not-a-secret…'",
    ]);
  });
});
