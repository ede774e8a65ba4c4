import { generateSecret } from '@hookline/signing';
import type { SignatureScheme } from '@hookline/contracts';
import { pollUntil } from '@hookline/testing';
import { BriefReceivers, type BriefService } from '../testing/brief-receivers.fixture';
import { DispatcherHarness } from '../testing/dispatcher-harness';
import { DeliveryService } from './delivery.service';

/**
 * The receivers the brief's services document, reproduced as written, against deliveries of the
 * real dispatcher: each verifies every delivery before, during and after a secret rotation with a
 * transition, holding the old secret until the transition ends and the new one after it.
 */
describe(`${DeliveryService.name} and the brief's receivers`, () => {
  let h: DispatcherHarness;
  let receivers: BriefReceivers;

  beforeAll(async () => {
    receivers = await BriefReceivers.start();
    h = await DispatcherHarness.start();
  });
  afterAll(async () => {
    await h?.stop();
    await receivers?.close();
  });

  /** Delivers one event and answers the receiver's verdict and the delivery's logged status. */
  async function deliverOne(webhookId: string, service: BriefService) {
    const task = await h.task(webhookId);
    const verdict = await pollUntil(() => receivers.verdictsFor(task.event.id)[0], {
      message: `${service} received ${task.event.id}`,
    });
    const delivery = await pollUntil(
      async () => {
        const d = await h.delivery(task.delivery_id);
        return d && d.status !== 'pending' && d;
      },
      { message: `delivery ${task.delivery_id} settled` },
    );
    return { verdict, status: delivery.status, attempts: delivery.attempts };
  }

  it.each([
    ['hostwares', 'hostwares'],
    ['hostwares', 'sha256-timestamped'],
    ['cryptohopper', 'hub-sha512'],
    ['hop', 'hop'],
  ] as [BriefService, SignatureScheme][])(
    "should have %s's own receiver verify every delivery of scheme %s before, during and after a rotation",
    async (service, scheme) => {
      const { row, secret: oldSecret } = await h.webhook({
        url: receivers.endpoint(service),
        scheme,
      });
      receivers.secrets[service] = oldSecret;
      const before = await deliverOne(row.id, service);

      const newSecret = generateSecret();
      await h.store.rotateSecret(row.id, undefined, newSecret, 1, 'key_test');
      await h.publish(row.id);
      // The receiver is not updated yet: the transition is what lets it keep working.
      const during = await deliverOne(row.id, service);

      await h.endTransition(row.id);
      receivers.secrets[service] = newSecret;
      const after = await deliverOne(row.id, service);

      for (const phase of [before, during, after]) {
        expect(phase).toMatchObject({
          verdict: { service, verified: true },
          status: 'succeeded',
          attempts: 1,
        });
      }
    },
  );

  it('should send the Hostwares timestamp header with the unix seconds of the attempt, unsigned', async () => {
    const { row, secret } = await h.webhook({
      url: receivers.endpoint('hostwares'),
      scheme: 'hostwares',
    });
    receivers.secrets.hostwares = secret;
    const task = await h.task(row.id);
    const [attempt] = await h.waitForAttempts(task.delivery_id, 1);
    const ts = Number(attempt!.request_headers['x-hostwares-timestamp']);
    expect(Math.abs(ts - Date.now() / 1000)).toBeLessThan(30);
    expect(attempt!.request_headers['x-hostwares-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
  });

  it("should sign under the webhook's own header name, which a receiver reading that header verifies", async () => {
    const { row, secret } = await h.webhook({
      url: receivers.endpoint('hostwares'),
      scheme: 'hostwares',
      signatureHeader: 'X-Acme-Signature',
    });
    receivers.secrets.hostwares = secret;
    receivers.hostwaresHeader = 'x-acme-signature';
    try {
      const { verdict, status } = await deliverOne(row.id, 'hostwares');
      expect(verdict.verified).toBe(true);
      expect(status).toBe('succeeded');
    } finally {
      receivers.hostwaresHeader = 'x-hostwares-signature';
    }
  });
});
