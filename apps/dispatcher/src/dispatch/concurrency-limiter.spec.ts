import { ConcurrencyLimiter } from './concurrency-limiter';

describe(ConcurrencyLimiter.name, () => {
  let now = 0;
  const clock = () => now;

  beforeEach(() => {
    now = 0;
    jest.useFakeTimers();
  });
  afterEach(() => jest.useRealTimers());

  it('should turn away work waiting for an endpoint whose slots are all taken and none freed within maxWaitMs', async () => {
    const sut = new ConcurrencyLimiter(10, 1, 1000, clock);
    const held = await sut.acquire('a');
    const waiting = sut.acquire('a');

    now = 1001;
    jest.advanceTimersByTime(1000);

    await expect(waiting).resolves.toBeUndefined();
    // Still stalled: new work is turned away at once instead of queueing.
    await expect(sut.acquire('a')).resolves.toBeUndefined();
    expect(held).toBeDefined();
  });

  it('should keep work waiting for an endpoint that keeps freeing slots', async () => {
    const sut = new ConcurrencyLimiter(10, 1, 1000, clock);
    let release = (await sut.acquire('a'))!;
    const waiters = [sut.acquire('a'), sut.acquire('a'), sut.acquire('a')];

    for (const waiter of waiters) {
      now += 900;
      jest.advanceTimersByTime(900);
      release();
      release = (await waiter)!;
      expect(release).toBeInstanceOf(Function);
    }
  });

  it('should not count waiting for a slot of another endpoint against this one', async () => {
    const sut = new ConcurrencyLimiter(1, 5, 1000, clock);
    await sut.acquire('a');
    const waiting = sut.acquire('b');

    now = 5000;
    jest.advanceTimersByTime(5000);

    expect(sut.waiting).toBe(1);
    await expect(Promise.race([waiting, Promise.resolve('still waiting')])).resolves.toBe(
      'still waiting',
    );
  });

  it('should serve an endpoint that has free slots at once', async () => {
    const sut = new ConcurrencyLimiter(10, 2, 1000, clock);

    await expect(sut.acquire('a')).resolves.toBeInstanceOf(Function);
    await expect(sut.acquire('a')).resolves.toBeInstanceOf(Function);
    expect(sut.inFlight).toBe(2);
  });
});
