import { generateSecret, signHeaders } from '@hookline/signing';
import { ChaosReceiver } from './chaos-receiver';

describe(ChaosReceiver.name, () => {
  let receiver: ChaosReceiver;
  beforeEach(async () => (receiver = await ChaosReceiver.start()));
  afterEach(() => receiver.close());

  const deliver = async (endpoint: string, secret: string, msgId: string) => {
    const body = JSON.stringify({ id: 'evt_1', type: 'chaos.test', data: {} });
    const headers = signHeaders({
      scheme: 'standard',
      secrets: [secret],
      msgId,
      timestamp: Date.now() / 1000,
      body,
    });
    const res = await fetch(receiver.url(endpoint), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    // The receiver records a request once it has answered it.
    await new Promise((r) => setTimeout(r, 50));
    return res.status;
  };

  // A registry that could not wait for its relay publishes the new webhook itself and then
  // answers: the first deliveries can come before the create's answer, with the secret, reaches
  // the client. The receiver counted them as invalid signatures (4 in a full run's slow-relay).
  it('should refuse a delivery that comes before its endpoint has its secret, and not count it invalid', async () => {
    const secret = generateSecret();
    receiver.expect('new');
    expect(await deliver('new', secret, 'msg_early')).toBe(503);
    expect(receiver.invalid).toBe(0);
    expect(receiver.early).toBe(1);
    receiver.accept('new', secret);
    expect(await deliver('new', secret, 'msg_early')).toBe(200);
    expect(receiver.invalid).toBe(0);
    expect(receiver.receiptsOf(['new']).map((r) => r.deliveryId)).toEqual(['msg_early']);
  });

  it('should count a request to no known endpoint, or signed with another secret, as invalid', async () => {
    expect(await deliver('unknown', generateSecret(), 'msg_1')).toBe(200);
    receiver.accept('known', generateSecret());
    await deliver('known', generateSecret(), 'msg_2');
    expect(receiver.invalid).toBe(2);
    expect(receiver.receiptsOf(['unknown', 'known'])).toEqual([]);
  });
});
