import { CircuitBreaker } from './circuit-breaker';
import { ConcurrencyLimiter, type Admission } from './concurrency-limiter';

/** What `promise` settled to within a few turns of the microtask queue, or 'still waiting'. */
async function soon<T>(promise: Promise<T>): Promise<T | 'still waiting'> {
  let outcome: T | 'still waiting' = 'still waiting';
  void promise.then((value) => (outcome = value));
  for (let turn = 0; turn < 20; turn++) await Promise.resolve();
  return outcome;
}

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

  it('should turn a stalled endpoint’s work away as busy when there is no breaker', async () => {
    const sut = new ConcurrencyLimiter(10, 1, 1000, clock);
    await sut.admit('a');
    now = 1001;
    expect(await sut.admit('a')).toEqual({ refused: 'busy' });
  });

  it('should defer new work for an endpoint that stopped draining once a full round of work waits for it', async () => {
    const sut = new ConcurrencyLimiter(10, 2, 1000, clock);
    await Promise.all([sut.admit('a'), sut.admit('a')]);
    // A full round waits for it.
    void sut.admit('a');
    void sut.admit('a');
    // Not yet a quarter of maxWaitMs without a slot freed: the endpoint may just be slow.
    now = 250;
    void sut.admit('a');
    expect(sut.waiting).toBe(3);

    now = 251;
    // Queued, it would count against the pending limits every other endpoint's tasks share.
    expect(await soon(sut.admit('a'))).toEqual({ refused: 'deferred' });
    expect(sut.waiting).toBe(3);
    // A manual attempt waits its turn; another endpoint is not concerned.
    void sut.admit('a', { bypassCircuit: true });
    expect(sut.waiting).toBe(4);
    expect(await sut.admit('b')).toMatchObject({ probe: false });
  });

  it('should keep queueing work for an endpoint that keeps freeing slots, however long its queue', async () => {
    const sut = new ConcurrencyLimiter(10, 1, 1000, clock);
    let slot = await sut.admit('a');
    const queue: Promise<Admission>[] = [];
    for (let i = 0; i < 20; i++) {
      // Work comes twice as fast as the endpoint takes it, which it does every 200 ms.
      now += 200;
      queue.push(sut.admit('a'), sut.admit('a'));
      if ('release' in slot) slot.release();
      slot = await queue.shift()!;
      expect(slot).toMatchObject({ probe: false });
    }
    expect(sut.waiting).toBe(20);
  });

  describe('with a circuit breaker', () => {
    /** `perKey` slots per endpoint, circuits opened by 2 failures for 5 s of the wall clock `at`. */
    const guarded = (perKey: number, at: () => number) =>
      new ConcurrencyLimiter(
        10,
        perKey,
        1000,
        clock,
        new CircuitBreaker({ threshold: 2, cooldownMs: 5000, now: at }),
      );

    it("should give no slot while an origin's circuit is open, and report each attempt's outcome", async () => {
      let wall = 1_000_000;
      const sut = guarded(2, () => wall);
      for (let i = 0; i < 2; i++) {
        const slot = await sut.admit('a');
        if (!('release' in slot)) throw new Error('expected a slot');
        slot.release('failure');
      }
      expect(await sut.admit('a')).toEqual({
        refused: 'open',
        retryAt: wall + 5000,
        downSince: wall,
      });
      expect(sut.inFlight).toBe(0);
      // A manual attempt goes through anyway; other origins are not concerned.
      expect(await sut.admit('a', { bypassCircuit: true })).toMatchObject({ probe: false });
      expect(await sut.admit('b')).toMatchObject({ probe: false });

      wall += 5000;
      const probe = await sut.admit('a');
      expect(probe).toMatchObject({ probe: true });
      expect(await sut.admit('a')).toMatchObject({ refused: 'open' });
      if ('release' in probe) probe.release('success');
      expect(await sut.admit('a')).toMatchObject({ probe: false });
    });

    it("should break the circuit of an endpoint's own key while bounding slots by the shared one", async () => {
      const wall = 1_000_000;
      const sut = guarded(1, () => wall);
      const failing = { circuitKey: 'https://h.example/a' };
      const healthy = { circuitKey: 'https://h.example/b' };
      for (let i = 0; i < 2; i++) {
        const slot = await sut.admit('https://h.example', failing);
        if (!('release' in slot)) throw new Error('expected a slot');
        slot.release('failure');
      }
      expect(sut.circuit!.state('https://h.example/a').state).toBe('open');
      expect(sut.circuit!.state('https://h.example').state).toBe('closed');
      expect(await sut.admit('https://h.example', failing)).toEqual({
        refused: 'open',
        retryAt: wall + 5000,
        downSince: wall,
      });
      // The other endpoint on the same origin is admitted, and takes the origin's one slot.
      const slot = await sut.admit('https://h.example', healthy);
      expect(slot).toMatchObject({ probe: false });
      const queued = sut.admit('https://h.example', { circuitKey: 'https://h.example/c' });
      expect(sut.waiting).toBe(1);
      if ('release' in slot) slot.release('success');
      await expect(queued).resolves.toMatchObject({ probe: false });
    });

    it('should open a half-open circuit again when its probe finds the endpoint stalled', async () => {
      let wall = 1_000_000;
      const sut = guarded(1, () => wall);
      const held = await sut.admit('a', { bypassCircuit: true });
      for (let i = 0; i < 2; i++) sut.circuit!.record('a', 'failure', false);
      wall += 5000;
      now = 1001;
      // The only connection hangs: the probe makes no request, and the circuit opens again.
      const outage = { refused: 'open', retryAt: wall + 5000, downSince: wall - 5000 };
      expect(await sut.admit('a')).toEqual(outage);
      if ('release' in held) held.release();
      expect(await sut.admit('a')).toEqual(outage);
      wall += 5000;
      expect(await sut.admit('a')).toMatchObject({ probe: true });
    });

    it('should open the circuit of an endpoint that stalls, holding the work waiting for it', async () => {
      const wall = 1_000_000;
      const sut = guarded(1, () => wall);
      const hung = await sut.admit('a');
      expect(hung).toMatchObject({ probe: false });
      const waiting = sut.admit('a');
      now = 1001;
      await jest.advanceTimersByTimeAsync(1000);
      await expect(waiting).resolves.toEqual({
        refused: 'open',
        retryAt: wall + 5000,
        downSince: wall,
      });
      expect(sut.circuit!.state('a').state).toBe('open');
      // A manual attempt (which a person asked for, past the circuit) is turned away as busy.
      expect(await sut.admit('a', { bypassCircuit: true })).toEqual({ refused: 'busy' });
    });
  });

  it('should watch for its own pauses only while an endpoint has every slot taken', async () => {
    // No `now` given: the limiter keeps its times on a RunningClock, whose timer beats only then.
    const sut = new ConcurrencyLimiter(10, 2, 1000);
    const first = (await sut.acquire('a'))!;
    expect(jest.getTimerCount()).toBe(0);
    const second = (await sut.acquire('a'))!;
    expect(jest.getTimerCount()).toBe(1);
    second();
    expect(jest.getTimerCount()).toBe(0);
    first();
  });
});
