import { patchKafkajsRequestQueue, type KafkajsRequestQueue } from './request-queue-patch';

interface Queue extends KafkajsRequestQueue {
  push(request: object): void;
  fulfillRequest(response: { correlationId: number; payload: null; size: number }): void;
  maybeThrottle(ms: number): void;
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

describe('kafkajs request queue, patched: request timeouts', () => {
  const quiet = { debug: () => undefined, warn: () => undefined, error: () => undefined };
  let queue: Queue;
  let looks: jest.Mock;
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => {
    queue.destroy();
    jest.useRealTimers();
  });

  function start(requestTimeout: number) {
    queue = new RequestQueue({
      maxInFlightRequests: null,
      requestTimeout,
      enforceRequestTimeout: true,
      clientId: 'test',
      broker: 'localhost:9092',
      logger: quiet,
      // Asked at every look, whatever is in flight.
      isConnected: (looks = jest.fn(() => true)),
    });
    queue.scheduleRequestTimeoutCheck();
  }

  function sendOne(): { rejected: () => Error | undefined } {
    let error: Error | undefined;
    queue.push({
      entry: {
        correlationId: 1,
        apiKey: 1,
        apiName: 'Fetch',
        apiVersion: 11,
        resolve: () => undefined,
        reject: (e: Error) => (error = e),
      },
      expectResponse: true,
      sendRequest: () => undefined,
    });
    return { rejected: () => error };
  }

  it('should look for overdue requests once a second, not every 100 ms (a wake-up each per connection)', () => {
    start(30_000);
    jest.advanceTimersByTime(999);
    expect(looks).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(looks).toHaveBeenCalledTimes(1);
  });

  it('should still fail a request that outlives its timeout, at most a second late', () => {
    start(30_000);
    const request = sendOne();
    jest.advanceTimersByTime(30_000);
    expect(request.rejected()).toBeUndefined();
    jest.advanceTimersByTime(1_000);
    expect(request.rejected()?.name).toBe('KafkaJSRequestTimeoutError');
  });

  it('should look at least as often as the timeout when it is shorter than a second', () => {
    start(300);
    const request = sendOne();
    jest.advanceTimersByTime(600);
    expect(request.rejected()?.name).toBe('KafkaJSRequestTimeoutError');
  });
});
