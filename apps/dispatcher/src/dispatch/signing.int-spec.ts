import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { toWebhookPayload } from '@hookline/contracts';
import { generateSecret, signHeaders } from '@hookline/signing';
import { startTracing, stopTracing } from '@hookline/telemetry';
import { LoopbackReceiver, pollUntil } from '@hookline/testing';
import { DispatcherHarness } from '../testing/dispatcher-harness';
import { DeliveryService, USER_AGENT } from './delivery.service';

/** `openssl dgst -sha256 -hmac <VECTOR.secret>` over VECTOR.body. */
const HMAC_SHA256_HEX = '80ec8a89ce3cd22133a1066caecb4d04fea7467657c8514d717ec42c38a5c94c';

const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  msgId: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
};

describe(`${DeliveryService.name} signatures`, () => {
  let h: DispatcherHarness;
  let receiver: LoopbackReceiver;

  const received = (eventId: string) =>
    pollUntil(() => receiver.forEvent(eventId)[0], { message: `request for ${eventId}` });

  beforeAll(async () => {
    startTracing('hookline-dispatcher-test');
    receiver = await LoopbackReceiver.start();
    h = await DispatcherHarness.start();
  });
  afterAll(async () => {
    await h?.stop();
    await receiver?.close();
    await stopTracing();
  });

  it('should produce the published Standard Webhooks vector and hand-computed vectors of the other schemes', () => {
    const sign = (scheme: 'standard' | 'hop' | 'hostwares' | 'github' | 'hub-sha512') =>
      signHeaders({
        scheme,
        secrets: [VECTOR.secret],
        msgId: VECTOR.msgId,
        timestamp: VECTOR.timestamp,
        body: VECTOR.body,
      });
    expect(sign('standard')['webhook-signature']).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
    // Computed with `openssl dgst -hmac` over the same bytes.
    expect(sign('hop')['x-hop-hooks-signature']).toBe(
      '80EC8A89CE3CD22133A1066CAECB4D04FEA7467657C8514D717EC42C38A5C94C',
    );
    expect(sign('hostwares')['x-hostwares-signature']).toBe(`sha256=${HMAC_SHA256_HEX}`);
    expect(sign('github')['x-hub-signature-256']).toBe(`sha256=${HMAC_SHA256_HEX}`);
    expect(sign('hub-sha512')['x-hub-signature']).toBe(
      '29b735f30694bb57c767b097fc984006299ba0a13640bf3870df6c36d865575a5cc93a1e505c4456e0d409740e0cfc6d2209bd017b23d911ce2d705618cdb84f',
    );
    // The package's own signer agrees (its verify refuses a 2021 timestamp, so sign and compare).
    expect(
      new Webhook(VECTOR.secret).sign(VECTOR.msgId, new Date(VECTOR.timestamp * 1000), VECTOR.body),
    ).toBe(sign('standard')['webhook-signature']);
  });

  it('should send a standard delivery that the standardwebhooks package verifies, the body byte for byte the one signed', async () => {
    const { row, secret } = await h.webhook({ url: receiver.url });
    const task = await h.task(row.id, { event: { data: { name: 'Déjà vu ✓', n: 1.5 } } });
    const req = await received(task.event.id);
    expect(req.body).toBe(JSON.stringify(toWebhookPayload(task.event, row.id)));
    expect(req.headers['webhook-id']).toBe(task.delivery_id);
    expect(Math.abs(Number(req.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(30);
    const verified = new Webhook(secret).verify(req.body, req.headers as Record<string, string>);
    expect(verified).toEqual(toWebhookPayload(task.event, row.id));
    expect(() =>
      new Webhook(generateSecret()).verify(req.body, req.headers as Record<string, string>),
    ).toThrow();

    const [attempt] = await h.waitForAttempts(task.delivery_id, 1);
    expect(attempt).toMatchObject({
      attempt: 1,
      trigger: 'automatic',
      response_status: 200,
      response_body: 'ok',
      error_class: null,
      url: receiver.url,
    });
    expect(attempt!.request_headers['webhook-signature']).toBe(req.headers['webhook-signature']);
    await pollUntil(async () => (await h.delivery(task.delivery_id))?.status === 'succeeded', {
      message: 'delivery succeeded',
    });
    expect(await h.delivery(task.delivery_id)).toMatchObject({
      attempts: 1,
      last_error: null,
      next_attempt_at: null,
    });
  });

  it('should sign with both secrets while a rotation is in transition, each verifying on its own', async () => {
    const { row, secret: oldSecret } = await h.webhook({ url: receiver.url });
    const newSecret = generateSecret();
    await h.store.rotateSecret(row.id, undefined, newSecret, 1, 'key_test');
    await h.publish(row.id);
    const task = await h.task(row.id);
    const req = await received(task.event.id);
    const signatures = String(req.headers['webhook-signature']).split(' ');
    expect(signatures).toHaveLength(2);
    for (const secret of [oldSecret, newSecret]) {
      expect(
        new Webhook(secret).verify(req.body, req.headers as Record<string, string>),
      ).toMatchObject({ id: task.event.id });
    }
  });

  it.each([
    [
      'hop',
      (s: string, _ts: string, body: string) => ({
        'x-hop-hooks-signature': createHmac('sha256', s).update(body).digest('hex').toUpperCase(),
      }),
    ],
    [
      'hostwares',
      (s: string, ts: string, body: string) => ({
        'x-hostwares-signature': `sha256=${createHmac('sha256', s).update(body).digest('hex')}`,
        'x-hostwares-timestamp': ts,
      }),
    ],
    [
      'github',
      (s: string, _ts: string, body: string) => ({
        'x-hub-signature-256': `sha256=${createHmac('sha256', s).update(body).digest('hex')}`,
      }),
    ],
    [
      'hub-sha512',
      (s: string, _ts: string, body: string) => ({
        'x-hub-signature': createHmac('sha512', s).update(body).digest('hex'),
      }),
    ],
  ] as const)(
    'should send %s signatures that verify when computed by hand',
    async (scheme, expected) => {
      const { row, secret } = await h.webhook({ url: receiver.url, scheme });
      const task = await h.task(row.id);
      const req = await received(task.event.id);
      const ts = String(req.headers['webhook-timestamp']);
      expect(req.headers).toMatchObject(expected(secret, ts, req.body));
      expect(req.headers['webhook-id']).toBe(task.delivery_id);
    },
  );

  it('should carry traceparent as a child of the task trace, the user agent and the content type', async () => {
    const { row } = await h.webhook({ url: receiver.url });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parentSpan = '00f067aa0ba902b7';
    const task = await h.task(row.id, {
      headers: { traceparent: `00-${traceId}-${parentSpan}-01` },
    });
    const req = await received(task.event.id);
    expect(req.headers['user-agent']).toBe(USER_AGENT);
    expect(USER_AGENT).toMatch(/^Hookline\/\d+\.\d+\.\d+/);
    expect(req.headers['content-type']).toBe('application/json');
    const [version, trace, span, flags] = String(req.headers.traceparent).split('-');
    expect({ version, trace, flags }).toEqual({ version: '00', trace: traceId, flags: '01' });
    expect(span).toMatch(/^[0-9a-f]{16}$/);
    expect(span).not.toBe(parentSpan);
  });
});
