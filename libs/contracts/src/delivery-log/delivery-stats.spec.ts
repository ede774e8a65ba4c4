import { LATENCY_BUCKETS_MS, latencyBucket, latencyPercentile } from './delivery-stats';

describe('latency histogram', () => {
  it('should put a duration in the first bucket whose bound holds it, past the last in overflow', () => {
    expect(latencyBucket(0)).toBe(0);
    expect(latencyBucket(5)).toBe(0);
    expect(latencyBucket(6)).toBe(1);
    expect(latencyBucket(30_000)).toBe(LATENCY_BUCKETS_MS.length - 1);
    expect(latencyBucket(30_001)).toBe(LATENCY_BUCKETS_MS.length);
  });

  it('should read p50 and p99 as the bound of the bucket holding that rank, null when empty', () => {
    const h = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
    expect(latencyPercentile(h, 0.5)).toBeNull();
    h[latencyBucket(20)] = 98;
    h[latencyBucket(800)] = 1;
    h[latencyBucket(40_000)] = 1;
    expect(latencyPercentile(h, 0.5)).toBe(25);
    expect(latencyPercentile(h, 0.99)).toBe(1000);
    // The overflow bucket reads as the last bound.
    expect(latencyPercentile(h, 1)).toBe(30_000);
  });
});
