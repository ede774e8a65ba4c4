import { BatchGatherer } from './batch-gatherer';

describe(BatchGatherer.name, () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const limits = { max_events: 3, max_wait_ms: 100 };

  it('should send at max_events at once, and what gathered at max_wait_ms, settling each item with its batch', async () => {
    const sent: number[][] = [];
    const gatherer = new BatchGatherer<number>(async (items) => void sent.push(items));
    const full = [1, 2, 3].map((n) => gatherer.add('wh_a', limits, n));
    await Promise.all(full);
    expect(sent).toEqual([[1, 2, 3]]);

    const late = gatherer.add('wh_a', limits, 4);
    const other = gatherer.add('wh_b', limits, 5);
    expect(sent).toHaveLength(1);
    jest.advanceTimersByTime(100);
    await Promise.all([late, other]);
    expect(sent).toEqual([[1, 2, 3], [4], [5]]);
  });

  it('should reject every item of a batch whose sending failed, so the consumer repeats them', async () => {
    const gatherer = new BatchGatherer<number>(() => Promise.reject(new Error('log down')));
    const items = [gatherer.add('wh_a', limits, 1), gatherer.add('wh_a', limits, 2)];
    jest.advanceTimersByTime(100);
    for (const item of items) await expect(item).rejects.toThrow('log down');
  });
});
