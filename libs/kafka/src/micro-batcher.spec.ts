import { MicroBatcher, type MicroBatcherLimits } from './micro-batcher';

describe(MicroBatcher.name, () => {
  function setup(limits: MicroBatcherLimits = { maxItems: 100, maxBytes: 10_000, lingerMs: 5 }) {
    const batches: number[][] = [];
    let fail: Error | undefined;
    const sut = new MicroBatcher<number>(async (items) => {
      batches.push(items);
      if (fail) throw fail;
    }, limits);
    return { sut, batches, failWith: (e?: Error) => (fail = e) };
  }
  const one = (n: number, bytes = 10) => [{ item: n, bytes }];

  it('should send concurrent adds in one batch', async () => {
    const { sut, batches } = setup();
    await Promise.all([1, 2, 3, 4].map((n) => sut.add(one(n))));
    expect(batches).toEqual([[1, 2, 3, 4]]);
  });

  it('should cut batches at maxItems and keep the order across them', async () => {
    const { sut, batches } = setup({ maxItems: 3, maxBytes: 10_000, lingerMs: 5 });
    await Promise.all(Array.from({ length: 8 }, (_, i) => sut.add(one(i))));
    expect(batches.flat()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(3);
  });

  it('should cut batches at maxBytes but always send an oversized item', async () => {
    const { sut, batches } = setup({ maxItems: 100, maxBytes: 25, lingerMs: 5 });
    await Promise.all([sut.add(one(1)), sut.add(one(2)), sut.add(one(3)), sut.add(one(4, 100))]);
    expect(batches).toEqual([[1, 2], [3], [4]]);
  });

  it('should keep the items of one add together and in order', async () => {
    const { sut, batches } = setup();
    await sut.add([1, 2, 3].map((n) => ({ item: n, bytes: 1 })));
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('should reject every item of a failed batch and go on with the next', async () => {
    const { sut, failWith } = setup();
    failWith(new Error('down'));
    await expect(Promise.all([sut.add(one(1)), sut.add(one(2))])).rejects.toThrow('down');
    failWith(undefined);
    await expect(sut.add(one(3))).resolves.toBeUndefined();
  });

  it('should reject only the items the send refused, resolving the rest of their batch', async () => {
    const refusal = new Error('too large');
    const sut = new MicroBatcher<number>(
      async (items) => items.map((n) => (n === 2 ? refusal : undefined)),
      { maxItems: 100, maxBytes: 10_000, lingerMs: 5 },
    );
    const outcomes = await Promise.allSettled([1, 2, 3].map((n) => sut.add(one(n))));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBe(refusal);
  });

  it('should drain what is queued', async () => {
    const { sut, batches } = setup({ maxItems: 100, maxBytes: 10_000, lingerMs: 60_000 });
    const sent = sut.add(one(1));
    await sut.drain();
    await sent;
    expect(batches).toEqual([[1]]);
    expect(sut.pending).toBe(0);
  });

  describe('when every batch lingers', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    /** Items every 2 ms for 100 ms into a send that takes 5 ms; when each batch left. */
    async function steadyFlow(limits: MicroBatcherLimits) {
      const sentAt: number[] = [];
      const sut = new MicroBatcher<number>(async () => {
        sentAt.push(performance.now());
        await new Promise((resolve) => setTimeout(resolve, 5));
      }, limits);
      const start = performance.now();
      const adds: Promise<void>[] = [];
      for (let i = 0; i < 50; i++) {
        adds.push(sut.add(one(i)));
        await jest.advanceTimersByTimeAsync(2);
      }
      await jest.advanceTimersByTimeAsync(100);
      await Promise.all(adds);
      return sentAt.map((t) => t - start);
    }

    it('should send a steady flow in one request per linger, not one per send', async () => {
      const limits = { maxItems: 100, maxBytes: 10_000, lingerMs: 20 };
      const behind = await steadyFlow(limits);
      const lingering = await steadyFlow({ ...limits, lingerEveryBatch: true });

      // Behind each other, a batch leaves as soon as the one before was sent (every 5 ms).
      expect(behind.length).toBeGreaterThanOrEqual(15);
      expect(lingering.length).toBeLessThanOrEqual(6);
      for (let i = 1; i < lingering.length; i++)
        expect(lingering[i]! - lingering[i - 1]!).toBeGreaterThanOrEqual(18);
    });

    it('should send a batch that fills up without waiting out its linger', async () => {
      const sentAt: number[] = [];
      const sut = new MicroBatcher<number>(
        async () => {
          sentAt.push(performance.now());
          await new Promise((resolve) => setTimeout(resolve, 5));
        },
        { maxItems: 3, maxBytes: 10_000, lingerMs: 1000, lingerEveryBatch: true },
      );
      const start = performance.now();
      const first = sut.add([1, 2, 3].map((n) => ({ item: n, bytes: 1 })));
      await jest.advanceTimersByTimeAsync(1);
      const second = sut.add([4, 5].map((n) => ({ item: n, bytes: 1 })));
      await jest.advanceTimersByTimeAsync(10);
      expect(sentAt.map((t) => t - start)).toEqual([0]); // [4, 5] lingers, not full
      const third = sut.add(one(6));
      await jest.advanceTimersByTimeAsync(10);
      await Promise.all([first, second, third]);
      expect(sentAt).toHaveLength(2);
      expect(sentAt[1]! - start).toBeLessThan(20);
    });

    it('should send a lingering batch at once when drained', async () => {
      const { sut, batches } = setup({
        maxItems: 100,
        maxBytes: 10_000,
        lingerMs: 60_000,
        lingerEveryBatch: true,
      });
      const first = sut.add(one(1));
      const drained = sut.drain();
      const second = sut.add(one(2)); // queued behind the first batch, lingering
      await jest.advanceTimersByTimeAsync(1);
      await Promise.all([first, second, drained]);
      expect(batches.flat()).toEqual([1, 2]);
    });
  });
});
