import { patchKafkajsRequestQueue, type KafkajsRequestQueue } from './request-queue-patch';

interface Queue extends KafkajsRequestQueue {
  push(request: object): void;
  fulfillRequest(response: { correlationId: number; payload: null; size: number }): void;
  maybeThrottle(ms: number): void;
  destroy(): void;
}

patchKafkajsRequestQueue();
const RequestQueue = require('kafkajs/src/network/requestQueue') as new (options: object) => Queue;

describe('kafkajs request queue, patched', () => {
  const quiet = { debug: () => undefined, warn: () => undefined };
  let queue: Queue;
  let sent: number[];
  beforeEach(() => {
    sent = [];
    queue = new RequestQueue({
      maxInFlightRequests: 1,
      requestTimeout: 30_000,
      enforceRequestTimeout: false,
      clientId: 'test',
      broker: 'localhost:9092',
      logger: quiet,
    });
  });
  afterEach(() => queue.destroy());

  const push = (correlationId: number) =>
    queue.push({
      entry: {
        correlationId,
        apiKey: 1,
        apiName: 'Fetch',
        apiVersion: 11,
        resolve: () => undefined,
        reject: () => undefined,
      },
      expectResponse: true,
      sendRequest: () => sent.push(correlationId),
    });
  const answer = (correlationId: number) =>
    queue.fulfillRequest({ correlationId, payload: null, size: 0 });

  it('should arm no timer once nothing waits (kafkajs re-armed a 1 ms one forever)', () => {
    push(1);
    answer(1);
    expect(sent).toEqual([1]);
    expect(queue.throttleCheckTimeoutId).toBeNull();
  });

  it('should send a request held back by the in-flight limit when the one before is answered', async () => {
    push(1);
    push(2);
    expect(sent).toEqual([1]);
    answer(1);
    expect(sent).toEqual([1, 2]);
    answer(2);
    // The check armed while request 2 waited runs once more, finds nothing and stops there.
    await new Promise((r) => setTimeout(r, 30));
    expect(queue.throttleCheckTimeoutId).toBeNull();
  });

  it('should send a request held back by a broker throttle once the throttle ends', async () => {
    queue.maybeThrottle(30);
    push(1);
    expect(sent).toEqual([]);
    expect(queue.throttleCheckTimeoutId).not.toBeNull();
    await new Promise((r) => setTimeout(r, 80));
    expect(sent).toEqual([1]);
  });
});
