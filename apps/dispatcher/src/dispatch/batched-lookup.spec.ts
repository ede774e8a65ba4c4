import { BatchedLookup } from './batched-lookup';

/** Resolves after the turn's setImmediate callbacks, the batch's flush among them, have run. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('BatchedLookup', () => {
  const squares = () => {
    const queries: number[][] = [];
    const lookup = new BatchedLookup(
      async (keys: number[]) => {
        queries.push(keys);
        return new Map(keys.map((k) => [k, k * k]));
      },
      { maxBatch: 3 },
    );
    return { lookup, queries };
  };

  it('should answer the lookups of one turn with one query, each its own key', async () => {
    const { lookup, queries } = squares();
    const answers = Promise.all([lookup.get(2), lookup.get(3), lookup.get(2)]);
    expect(queries).toEqual([]);
    await expect(answers).resolves.toEqual([4, 9, 4]);
    expect(queries).toEqual([[2, 3]]);
  });

  it('should send a lone lookup at the end of its turn, without waiting for others', async () => {
    const { lookup, queries } = squares();
    void lookup.get(5);
    await nextTurn();
    expect(queries).toEqual([[5]]);
    void lookup.get(6);
    await nextTurn();
    expect(queries).toEqual([[5], [6]]);
  });

  it('should send a full batch at once and start the next', async () => {
    const { lookup, queries } = squares();
    const answers = Promise.all([1, 2, 3, 4].map((k) => lookup.get(k)));
    expect(queries).toEqual([[1, 2, 3]]);
    await expect(answers).resolves.toEqual([1, 4, 9, 16]);
    expect(queries).toEqual([[1, 2, 3], [4]]);
  });

  it('should answer undefined for a key the query did not find', async () => {
    const lookup = new BatchedLookup(async () => new Map<string, number>(), { maxBatch: 10 });
    await expect(lookup.get('missing')).resolves.toBeUndefined();
  });

  it('should reject every waiter of a batch whose query failed, and serve the next batch', async () => {
    let fail = true;
    const lookup = new BatchedLookup(
      async (keys: string[]) => {
        if (fail) throw new Error('connection lost');
        return new Map(keys.map((k) => [k, k.length]));
      },
      { maxBatch: 10 },
    );
    const a = lookup.get('a');
    const b = lookup.get('bb');
    await expect(a).rejects.toThrow('connection lost');
    await expect(b).rejects.toThrow('connection lost');
    fail = false;
    await expect(lookup.get('ccc')).resolves.toBe(3);
  });
});
