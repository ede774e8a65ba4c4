import { createHmac } from 'node:crypto';
import type { OperationalEvent } from '@hookline/contracts';
import { LoopbackReceiver, pollUntil, TopicCollector } from '@hookline/testing';
import { startRegistry, type RegistryHarness } from '../testing/registry-harness';
import { VALIDATE_BODY } from './endpoint-verifier';

/** Cryptohopper's validation handshake: the webhook delivers nothing until the endpoint echoes. */
describe('WebhooksController endpoint verification', () => {
  let r: RegistryHarness;
  let key: string;
  let receiver: LoopbackReceiver;
  const code = 'MY_VERIFICATION_CODE';

  beforeAll(async () => {
    receiver = await LoopbackReceiver.start();
    r = await startRegistry();
    key = (await r.project()).apiKey;
  });
  afterAll(async () => {
    await r?.close();
    await receiver?.close();
  });

  const create = () =>
    r.call('POST', '/v1/webhooks', {
      token: key,
      body: {
        url: receiver.url,
        events: ['*'],
        signature_scheme: 'hub-sha512',
        verification: { type: 'echo', code },
      },
    });

  it('should pass on save when the endpoint answers 200 with the code, to a signed validate message', async () => {
    receiver.answer({ status: 200, body: code });
    const created = await create();
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      active: true,
      disabled_reason: null,
      verification: { type: 'echo', code },
    });
    const req = receiver.requests.at(-1)!;
    expect(req.body).toBe(VALIDATE_BODY);
    // Cryptohopper's own check of the signature.
    expect(req.headers['x-hub-signature']).toBe(
      createHmac('sha512', created.body.secret).update(req.body).digest('hex'),
    );
  });

  it.each([
    ['a wrong body', { status: 200, body: 'nope' }],
    ['a status other than 200', { status: 204, body: code }],
  ])(
    'should stay pending_verification on %s, refuse activation, and pass on /verify once the endpoint echoes',
    async (_, answer) => {
      receiver.answer(answer);
      const created = await create();
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        active: false,
        disabled_reason: 'pending_verification',
      });
      const id = created.body.id as string;

      const enable = await r.call('PATCH', `/v1/webhooks/${id}`, {
        token: key,
        body: { active: true },
      });
      expect(enable.status).toBe(400);
      expect(enable.body.error.details[0].field).toBe('active');

      const retried = await r.call('POST', `/v1/webhooks/${id}/verify`, { token: key });
      expect(retried.status).toBe(200);
      expect(retried.body).toMatchObject({ passed: false, webhook: { active: false } });
      expect(retried.body.error).toEqual(expect.any(String));

      receiver.answer({ status: 200, body: `${code}\n` });
      const passed = await r.call('POST', `/v1/webhooks/${id}/verify`, { token: key });
      expect(passed.body).toMatchObject({
        passed: true,
        status: 200,
        error: null,
        webhook: { active: true, disabled_reason: null },
      });
    },
  );

  it('should announce a failed handshake on save and a failure after a pass, not a pending retry failing again', async () => {
    const operational = await TopicCollector.start(r.topics.kafka, [r.topics.topics.operational]);
    try {
      receiver.answer({ status: 204, body: code });
      const created = await create();
      expect(created.body).toMatchObject({ disabled_reason: 'pending_verification' });
      const id = created.body.id as string;
      const mine = () =>
        operational
          .json<OperationalEvent>()
          .filter((e) => e.data.webhook_id === id && e.event !== 'webhook.enabled');
      const first = await pollUntil(() => mine()[0], {
        timeoutMs: 5000,
        message: 'webhook.verification_failed on save',
      });
      expect(first).toMatchObject({
        event: 'webhook.verification_failed',
        project_id: created.body.project_id,
        data: {
          webhook_id: id,
          url: receiver.url,
          status: 204,
          error: 'answered 204, not 200',
        },
      });
      // Still pending, failing the same way: no change, nothing announced.
      await r.call('POST', `/v1/webhooks/${id}/verify`, { token: key });
      receiver.answer({ status: 200, body: code });
      const passed = await r.call('POST', `/v1/webhooks/${id}/verify`, { token: key });
      expect(passed.body).toMatchObject({ passed: true, webhook: { active: true } });
      // A pass announces the enable (the relay's); a failure after it is a change again.
      await pollUntil(
        () =>
          operational
            .json<OperationalEvent>()
            .some((e) => e.event === 'webhook.enabled' && e.data.webhook_id === id),
        { timeoutMs: 5000, message: 'webhook.enabled on pass' },
      );
      receiver.answer({ status: 200, body: 'nope' });
      await r.call('POST', `/v1/webhooks/${id}/verify`, { token: key });
      const all = await pollUntil(() => mine().length >= 2 && mine(), {
        timeoutMs: 5000,
        message: 'webhook.verification_failed after a pass',
      });
      expect(all.map((e) => [e.event, e.data.status])).toEqual([
        ['webhook.verification_failed', 204],
        ['webhook.verification_failed', 200],
      ]);
    } finally {
      await operational.stop();
    }
  });

  it('should answer 409 for /verify on a webhook without verification', async () => {
    const plain = await r.call('POST', '/v1/webhooks', {
      token: key,
      body: { url: receiver.url, events: ['*'] },
    });
    const res = await r.call('POST', `/v1/webhooks/${plain.body.id}/verify`, { token: key });
    expect(res.status).toBe(409);
  });
});
