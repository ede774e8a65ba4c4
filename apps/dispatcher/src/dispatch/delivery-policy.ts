import type { AttemptErrorClass } from '@hookline/persistence';

/** What the dispatcher does after an attempt. */
export type NextStep =
  | { kind: 'succeeded' }
  /** Produce attempt `attempt` to retry tier `tier` (1-based), not before `notBefore`. */
  | { kind: 'retry'; tier: number; attempt: number; notBefore: number }
  /** Retries are exhausted: the DLQ, the delivery failed, the disable rule. */
  | { kind: 'dead' }
  /** 410 Gone: disable the webhook now, no more attempts. */
  | { kind: 'gone' }
  /** A manual attempt (redeliver, test) that failed: recorded, never retried. */
  | { kind: 'failed_manual' };

export interface AttemptOutcome {
  status: number | null;
  errorClass: AttemptErrorClass | null;
  /** From a 429 or 503 answer. */
  retryAfterMs?: number;
}

export interface PolicySettings {
  /** HOOKLINE_RETRY_SCHEDULE in ms: the delay before retry n is schedule[n - 1]. */
  schedule: number[];
  /** ±fraction of random spread on each delay. */
  jitter?: number;
  /** The longest Retry-After honoured (a receiver cannot park a delivery for a month). */
  maxRetryAfterMs?: number;
  random?: () => number;
}

export const DEFAULT_JITTER = 0.2;
const DAY = 24 * 3_600_000;

/** Any 2xx, answered completely within the deadline. */
export const isSuccess = (outcome: AttemptOutcome): boolean =>
  outcome.errorClass === null &&
  outcome.status !== null &&
  outcome.status >= 200 &&
  outcome.status < 300;

/**
 * The delivery rules of DESIGN.md in one place: success is any 2xx; 410 disables; otherwise
 * retry n waits schedule[n-1] ±20 % on tier n, and after the last tier the task is dead. A 429
 * or 503 with Retry-After moves the task to the first tier (from the due one on) whose delay is
 * at least that long, and it is not attempted before Retry-After has passed.
 */
export class DeliveryPolicy {
  private readonly jitter: number;
  private readonly maxRetryAfterMs: number;
  private readonly random: () => number;

  constructor(private readonly settings: PolicySettings) {
    this.jitter = settings.jitter ?? DEFAULT_JITTER;
    this.maxRetryAfterMs = settings.maxRetryAfterMs ?? DAY;
    this.random = settings.random ?? Math.random;
  }

  get tiers(): number {
    return this.settings.schedule.length;
  }

  next(attempt: number, outcome: AttemptOutcome, manual: boolean, now = Date.now()): NextStep {
    if (isSuccess(outcome)) return { kind: 'succeeded' };
    if (outcome.status === 410 && outcome.errorClass === 'http_status') return { kind: 'gone' };
    if (manual) return { kind: 'failed_manual' };
    const schedule = this.settings.schedule;
    if (attempt > schedule.length) return { kind: 'dead' };
    let tier = attempt;
    let floor = 0;
    const retryAfter = outcome.retryAfterMs;
    if (
      retryAfter !== undefined &&
      retryAfter > 0 &&
      (outcome.status === 429 || outcome.status === 503)
    ) {
      floor = Math.min(retryAfter, this.maxRetryAfterMs);
      while (tier < schedule.length && schedule[tier - 1]! < floor) tier++;
    }
    const delay = Math.max(this.jittered(schedule[tier - 1]!), floor);
    return { kind: 'retry', tier, attempt: attempt + 1, notBefore: now + delay };
  }

  jittered(delayMs: number): number {
    const spread = (this.random() * 2 - 1) * this.jitter;
    return Math.max(0, Math.round(delayMs * (1 + spread)));
  }
}

/** `Retry-After` as milliseconds from now: delta-seconds or an HTTP date; undefined when absent or bad. */
export function parseRetryAfter(
  value: string | string[] | undefined,
  now = Date.now(),
): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
