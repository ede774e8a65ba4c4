import { z } from 'zod';

/**
 * Delivery statistics (`GET /v1/webhooks/{id}/stats`, `GET /v1/stats`): attempts per step by
 * outcome and latency percentiles, read from a per-minute aggregate the delivery-log writer keeps,
 * so a chart never scans the attempt rows.
 */

/** The windows a chart can ask for, and the width of one point in each. */
export const STATS_WINDOWS = {
  '1h': { seconds: 3600, step: 60 },
  '24h': { seconds: 86_400, step: 600 },
} as const;
export type StatsWindow = keyof typeof STATS_WINDOWS;

/**
 * Upper bounds (ms) of the latency histogram's buckets; a last bucket holds everything slower.
 * Fixed, so the histograms of any minutes and webhooks merge by adding them bucket by bucket.
 */
export const LATENCY_BUCKETS_MS = [
  5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000,
] as const;

/** The index of the bucket a duration falls in (the last, overflow bucket past 30 s). */
export function latencyBucket(durationMs: number): number {
  const i = LATENCY_BUCKETS_MS.findIndex((bound) => durationMs <= bound);
  return i === -1 ? LATENCY_BUCKETS_MS.length : i;
}

/**
 * The q-quantile (0 < q ≤ 1) of a histogram, as the upper bound of the bucket it falls in (the
 * overflow bucket reads as the last bound); null for an empty histogram.
 */
export function latencyPercentile(histogram: readonly number[], q: number): number | null {
  const total = histogram.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i] ?? 0;
    if (seen >= rank) return LATENCY_BUCKETS_MS[Math.min(i, LATENCY_BUCKETS_MS.length - 1)]!;
  }
  return LATENCY_BUCKETS_MS[LATENCY_BUCKETS_MS.length - 1]!;
}

const Counts = {
  /** Attempts that ended their delivery with a 2xx. */
  succeeded: z.number().int(),
  /** Attempts that ended their delivery as failed (retries exhausted, 410, manual attempt failed). */
  failed: z.number().int(),
  /** Failed attempts after which the delivery stays pending (a retry is scheduled). */
  retried: z.number().int(),
  /** Upper bound of the histogram bucket holding the median attempt's duration; null when none. */
  latency_p50_ms: z.number().int().nullable(),
  latency_p99_ms: z.number().int().nullable(),
};

export const StatsPoint = z.object({ at: z.string(), ...Counts });
export type StatsPoint = z.infer<typeof StatsPoint>;

export const StatsTotals = z.object({
  ...Counts,
  /** succeeded / (succeeded + failed), null before any delivery ended. */
  success_rate: z.number().nullable(),
  /** The last attempt in the window; null when none. */
  last_attempt_at: z.string().nullable(),
});
export type StatsTotals = z.infer<typeof StatsTotals>;

export const StatsResource = z.object({
  window: z.enum(['1h', '24h']),
  step_seconds: z.number().int(),
  from: z.string(),
  to: z.string(),
  totals: StatsTotals,
  /** One point per step, oldest first, steps without attempts included (zeros). */
  series: z.array(StatsPoint),
});
export type StatsResource = z.infer<typeof StatsResource>;

/** `GET /v1/stats` adds each webhook's totals over the window (for the webhooks list). */
export const ProjectStatsResource = StatsResource.extend({
  webhooks: z.array(StatsTotals.extend({ webhook_id: z.string() })),
});
export type ProjectStatsResource = z.infer<typeof ProjectStatsResource>;
