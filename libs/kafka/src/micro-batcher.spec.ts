import { MicroBatcher } from './micro-batcher';

describe(MicroBatcher.name, () => {
  function setup(limits = { maxItems: 100, maxBytes: 10_000, lingerMs: 5 }) {
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
});
