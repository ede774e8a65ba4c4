import { unportableTextReason, type DeliveryStatus, type DeliveryTask } from '@hookline/contracts';
import {
  afterFailureCounted,
  alreadySettled,
  circuitHoldUntil,
  decideEarly,
  decideEarlyAt,
  decideHold,
  decide,
  decideTooLate,
  decideUndeliverable,
  errorText,
  jittered,
  longestWaitMs,
  parseRetryAfter,
  tierFor,
  tierHolding,
  tierHoldMs,
  type AttemptResult,
  type Effect,
  type LifecycleSettings,
} from './delivery-lifecycle';

const NOW = 1_800_000_000_000;
const S = 1000;
const settings: LifecycleSettings = {
  schedule: [10 * S, 60 * S, 300 * S, 1800 * S, 7200 * S],
  jitter: 0.2,
  maxRetryAfterMs: 86_400 * S,
  disableAfter: 1,
  maxWaitMs: 30 * 86_400 * S,
};

const task = (over: Partial<DeliveryTask> = {}): DeliveryTask => ({
  delivery_id: 'msg_1',
  webhook_id: 'wh_1',
  attempt: 1,
  event: {
    id: 'evt_1',
    project_id: 'prj_1',
    event: 'project.updated',
    occurred_at: '2026-11-22T15:46:13.323Z',
    data: {},
  },
  ...over,
});

const http = (status: number, over: Partial<AttemptResult> = {}): AttemptResult => ({
  status,
  errorClass: status >= 200 && status < 300 ? null : 'http_status',
  error: status >= 200 && status < 300 ? null : `HTTP ${status}`,
  ...over,
});
const timeout: AttemptResult = { status: null, errorClass: 'timeout', error: 'timed out' };

/** random() = 0.5 is no jitter at all. */
const run = (t: DeliveryTask, result: AttemptResult, failures = 0, random = () => 0.5) =>
  decide({ task: t, result, consecutiveFailures: failures, now: NOW, random }, settings);

/**
 * Hops of tasks held or answered in one moment, each `wakes[i]` after it: never before tier
 * `tier`'s delay nor beyond what it holds (its delay and the jitter), and evenly over that span:
 * no tenth of it gets more than a tenth of the tasks (and one).
 */
function expectSpreadOverJitter(wakes: number[], tier: number): void {
  const delay = settings.schedule[tier - 1]!;
  const tenthOfSpan = (delay * settings.jitter) / 10;
  expect(Math.min(...wakes)).toBe(delay);
  expect(Math.max(...wakes)).toBeGreaterThan(delay + 9.9 * tenthOfSpan);
  expect(Math.max(...wakes)).toBeLessThanOrEqual(tierHoldMs(tier, settings));
  const perTenth = new Map<number, number>();
  for (const at of wakes) {
    const tenth = Math.min(9, Math.floor((at - delay) / tenthOfSpan));
    perTenth.set(tenth, (perTenth.get(tenth) ?? 0) + 1);
  }
  expect(Math.max(...perTenth.values())).toBeLessThanOrEqual(wakes.length / 10 + 1);
}

describe('decide', () => {
  it.each<[string, DeliveryTask, AttemptResult, number, Effect[]]>([
    [
      '200 logs succeeded',
      task(),
      http(200),
      0,
      [{ kind: 'log', status: 'succeeded', nextAttemptAt: null }],
    ],
    [
      '204 after failures also resets the count',
      task({ attempt: 3 }),
      http(204),
      2,
      [{ kind: 'log', status: 'succeeded', nextAttemptAt: null }, { kind: 'reset_failures' }],
    ],
    [
      '500 on the first attempt retries on tier 1 after 10 s',
      task(),
      http(500),
      0,
      [
        {
          kind: 'retry',
          tier: 1,
          attempt: 2,
          notBefore: NOW + 10 * S,
          wakeAt: NOW + 10 * S,
          lastError: 'HTTP 500',
        },
        { kind: 'log', status: 'pending', nextAttemptAt: NOW + 10 * S },
      ],
    ],
    [
      'a timeout on attempt 3 retries on tier 3 after 5 min',
      task({ attempt: 3 }),
      timeout,
      0,
      [
        {
          kind: 'retry',
          tier: 3,
          attempt: 4,
          notBefore: NOW + 300 * S,
          wakeAt: NOW + 300 * S,
          lastError: 'timed out',
        },
        { kind: 'log', status: 'pending', nextAttemptAt: NOW + 300 * S },
      ],
    ],
    [
      '500 on the last attempt is dead: DLQ, count, failed, announced — in that order',
      task({ attempt: 6 }),
      http(500),
      0,
      [
        { kind: 'dead_letter', reason: 'retries_exhausted', lastError: 'HTTP 500' },
        { kind: 'count_failure' },
        { kind: 'log', status: 'failed', nextAttemptAt: null },
        { kind: 'announce_dead', lastError: 'HTTP 500', attempts: 6 },
      ],
    ],
    [
      '410 Gone disables at once, before the delivery shows failed',
      task(),
      http(410),
      0,
      [
        { kind: 'disable', reason: 'the endpoint answered 410 Gone', cause: 'gone' },
        { kind: 'log', status: 'failed', nextAttemptAt: null },
      ],
    ],
    [
      'a failed manual attempt is logged failed, never retried',
      task({ manual: true, attempt: 4 }),
      http(500),
      0,
      [{ kind: 'log', status: 'failed', nextAttemptAt: null }],
    ],
    [
      'a 410 to a manual attempt still disables',
      task({ manual: true }),
      http(410),
      0,
      [
        { kind: 'disable', reason: 'the endpoint answered 410 Gone', cause: 'gone' },
        { kind: 'log', status: 'failed', nextAttemptAt: null },
      ],
    ],
    [
      '429 with Retry-After 120 s skips to the first tier of at least that (tier 3, 5 min)',
      task(),
      http(429, { retryAfterMs: 120 * S }),
      0,
      [
        {
          kind: 'retry',
          tier: 3,
          attempt: 2,
          notBefore: NOW + 300 * S,
          wakeAt: NOW + 300 * S,
          lastError: 'HTTP 429',
        },
        { kind: 'log', status: 'pending', nextAttemptAt: NOW + 300 * S },
      ],
    ],
    [
      '503 with Retry-After 3 h waits on the last tier at least the 3 h (random 0.5: 3.3 h, spread above it)',
      task(),
      http(503, { retryAfterMs: 3 * 3600 * S }),
      0,
      [
        {
          kind: 'retry',
          tier: 5,
          attempt: 2,
          notBefore: NOW + 3.3 * 3600 * S,
          wakeAt: NOW + 7920 * S,
          lastError: 'HTTP 503',
        },
        { kind: 'log', status: 'pending', nextAttemptAt: NOW + 3.3 * 3600 * S },
      ],
    ],
    [
      'Retry-After beyond the cap waits the cap (24 h), no more',
      task(),
      http(429, { retryAfterMs: 30 * 86_400 * S }),
      0,
      [
        {
          kind: 'retry',
          tier: 5,
          attempt: 2,
          notBefore: NOW + 86_400 * S,
          wakeAt: NOW + 7920 * S,
          lastError: 'HTTP 429',
        },
        { kind: 'log', status: 'pending', nextAttemptAt: NOW + 86_400 * S },
      ],
    ],
    [
      'Retry-After of 400 digits (past any number) waits the cap too',
      task(),
      http(429, { retryAfterMs: parseRetryAfter('9'.repeat(400), NOW) }),
      0,
      [
        {
          kind: 'retry',
          tier: 5,
          attempt: 2,
          notBefore: NOW + 86_400 * S,
          wakeAt: NOW + 7920 * S,
          lastError: 'HTTP 429',
        },
        { kind: 'log', status: 'pending', nextAttemptAt: NOW + 86_400 * S },
      ],
    ],
    [
      'Retry-After on a 500 is ignored',
      task(),
      http(500, { retryAfterMs: 3600 * S }),
      0,
      [
        {
          kind: 'retry',
          tier: 1,
          attempt: 2,
          notBefore: NOW + 10 * S,
          wakeAt: NOW + 10 * S,
          lastError: 'HTTP 500',
        },
        { kind: 'log', status: 'pending', nextAttemptAt: NOW + 10 * S },
      ],
    ],
    [
      'a 301 is a failure (redirects are not followed)',
      task(),
      { status: 301, errorClass: 'redirect', error: 'redirect to https://elsewhere' },
      0,
      [
        {
          kind: 'retry',
          tier: 1,
          attempt: 2,
          notBefore: NOW + 10 * S,
          wakeAt: NOW + 10 * S,
          lastError: 'redirect to https://elsewhere',
        },
        { kind: 'log', status: 'pending', nextAttemptAt: NOW + 10 * S },
      ],
    ],
    [
      'a secret that no longer opens is dead at once, not counted against the webhook',
      task(),
      {
        status: null,
        errorClass: 'secret_unreadable',
        error: 'secret unreadable',
        permanent: true,
      },
      0,
      [
        { kind: 'dead_letter', reason: 'permanent_error', lastError: 'secret unreadable' },
        { kind: 'log', status: 'failed', nextAttemptAt: null },
        { kind: 'announce_dead', lastError: 'secret unreadable', attempts: 1 },
      ],
    ],
  ])('%s', (_name, t, result, failures, expected) => {
    expect(run(t, result, failures)).toEqual(expected);
  });

  it('should spread each delay over ±20 %, reaching both bounds and nothing beyond', () => {
    for (let tier = 1; tier <= settings.schedule.length; tier++) {
      const base = settings.schedule[tier - 1]!;
      const at = (random: number) => {
        const [retry] = run(task({ attempt: tier }), http(500), 0, () => random);
        return (retry as Extract<Effect, { kind: 'retry' }>).notBefore - NOW;
      };
      expect(at(0)).toBe(Math.round(base * 0.8));
      expect(at(0.999_999_999)).toBe(Math.round(base * 1.2));
      for (let i = 0; i < 200; i++) {
        const delay = at(Math.random());
        expect(delay).toBeGreaterThanOrEqual(Math.round(base * 0.8));
        expect(delay).toBeLessThanOrEqual(Math.round(base * 1.2));
      }
    }
  });

  it('should never wait less than Retry-After, whatever the jitter', () => {
    const [retry] = run(task(), http(429, { retryAfterMs: 300 * S }), 0, () => 0);
    expect(retry).toMatchObject({ tier: 3, notBefore: NOW + 300 * S });
  });

  // A Retry-After date is one instant for every task it answered: a delay that stopped at the floor
  // would bring them all back to the receiver at that instant, the burst it asked to be spared.
  it.each([
    ['inside the tier it steps to (300 s on the 5 min tier)', 300 * S, 300 * S, 360 * S],
    ['beyond the last tier (3 h)', 3 * 3600 * S, 3 * 3600 * S, 3.6 * 3600 * S],
  ])(
    'should spread tasks given one Retry-After %s above it, none before it',
    (_name, retryAfterMs, from, to) => {
      const dues = Array.from({ length: 1000 }, (_, i) => {
        const [retry] = run(task(), http(429, { retryAfterMs }), 0, () => i / 1000);
        return (retry as Extract<Effect, { kind: 'retry' }>).notBefore - NOW;
      });
      expect(Math.min(...dues)).toBe(from);
      expect(Math.max(...dues)).toBeLessThanOrEqual(to);
      // Evenly: no instant holds more than a few of them, each tenth of the range about a tenth.
      expect(new Set(dues).size).toBeGreaterThan(990);
      for (let k = 0; k < 10; k++) {
        const inTenth = dues.filter(
          (d) => d >= from + ((to - from) * k) / 10 && d < from + ((to - from) * (k + 1)) / 10,
        );
        expect(inTenth.length).toBeGreaterThan(80);
      }
    },
  );

  it('should not spread a Retry-After at the cap beyond the cap', () => {
    for (const random of [0, 0.5, 0.999]) {
      const [retry] = run(task(), http(429, { retryAfterMs: 30 * 86_400 * S }), 0, () => random);
      expect(retry).toMatchObject({ notBefore: NOW + 86_400 * S });
    }
  });

  // Their due times are spread, but a retry due beyond its tier's longest hold is served in hops,
  // and a hop at exactly that hold would bring every task answered in one moment back in one
  // moment, at every hop until each is due (as holds did, see decideHold).
  it('should spread the hops of tasks given one Retry-After beyond the last tier over the top of its jitter', () => {
    const n = 1000;
    const wakes = Array.from({ length: n }, (_, i) => {
      const [retry] = run(task(), http(503, { retryAfterMs: 3 * 3600 * S }), 0, () => i / n);
      expect(retry).toMatchObject({ kind: 'retry', tier: 5 });
      return (retry as Extract<Effect, { kind: 'retry' }>).wakeAt - NOW;
    });
    expectSpreadOverJitter(wakes, 5);
  });
});

describe('errorText', () => {
  it('should clip a long error without cutting a surrogate pair in two', () => {
    // An endpoint's Location header ends up in the error; the half of an emoji left at the cut
    // would make the delivery.dead event of it unportable (refused downstream).
    const location = `https://example.com/${'a'.repeat(1963)}😀😀`;
    const text = errorText(
      http(301, { errorClass: 'redirect', error: `redirect 301 to ${location} not followed` }),
    );
    expect(text.length).toBeLessThanOrEqual(2000);
    expect(unportableTextReason(text)).toBeUndefined();
    expect(text.endsWith('a')).toBe(true);
  });
});

describe("decide with the webhook's own settings", () => {
  const own = (retrySchedule: number[] | null, disableAfter: number | null = null) => ({
    retrySchedule,
    disableAfter,
  });
  const runOwn = (
    t: DeliveryTask,
    result: AttemptResult,
    limits: ReturnType<typeof own>,
    random = () => 0.5,
  ) => decide({ task: t, result, consecutiveFailures: 0, limits, now: NOW, random }, settings);

  it("should wait the webhook's delay on the longest tier not longer than it", () => {
    // 90 s: tier 2 (60 s) holds 72 s, so the task hops once before it is due, at 60–72 s
    // (random 0.5: 66 s).
    expect(runOwn(task({ attempt: 2 }), http(500), own([5 * S, 90 * S]))).toEqual([
      {
        kind: 'retry',
        tier: 2,
        attempt: 3,
        notBefore: NOW + 90 * S,
        wakeAt: NOW + 66 * S,
        lastError: 'HTTP 500',
      },
      { kind: 'log', status: 'pending', nextAttemptAt: NOW + 90 * S },
    ]);
    // Shorter than every tier: the first one, woken at its time.
    expect(runOwn(task(), http(500), own([2 * S]))[0]).toMatchObject({
      tier: 1,
      notBefore: NOW + 2 * S,
      wakeAt: NOW + 2 * S,
    });
  });

  it('should never wake a retry at a hop from which it would run before it is due', () => {
    // 13 s goes on tier 1 (10 s, holding 12 s): due 10.4–15.6 s, a hop at 10–12 s. A hop less
    // than EARLY_TOLERANCE_MS before the due time is taken as due: the retry would run early,
    // up to a second, whatever its own schedule (most of it, on sub-second schedules).
    for (let i = 0; i <= 20; i++) {
      for (let j = 0; j <= 20; j++) {
        const draws = [i / 20, j / 20];
        const random = () => draws.shift() ?? 0.5;
        const [retry] = runOwn(task(), http(500), own([13 * S]), random);
        const { tier, notBefore, wakeAt } = retry as Extract<Effect, { kind: 'retry' }>;
        if (wakeAt >= notBefore) continue;
        expect(decideEarlyAt(notBefore, tier, wakeAt, settings, () => 0.5)).toEqual([
          expect.objectContaining({ kind: 'repark' }),
        ]);
      }
    }
  });

  it('should give up after the last delay of its own schedule, however many tiers there are', () => {
    const effects = runOwn(task({ attempt: 2 }), http(500), own([S]));
    expect(effects.map((e) => e.kind)).toEqual([
      'dead_letter',
      'count_failure',
      'log',
      'announce_dead',
    ]);
    // Longer than the operator's 5 retries: the 7th attempt is still retried.
    const long = own([S, S, S, S, S, S, S, S]);
    expect(runOwn(task({ attempt: 7 }), http(500), long)[0]).toMatchObject({
      kind: 'retry',
      attempt: 8,
    });
  });

  it("should honour Retry-After by stepping up the webhook's own schedule", () => {
    const [retry] = runOwn(
      task(),
      http(429, { retryAfterMs: 20 * S }),
      own([5 * S, 30 * S, 600 * S]),
      () => 0,
    );
    // Step 2 (30 s, jittered down to 24 s) is still at least the 20 s asked for.
    expect(retry).toMatchObject({ tier: 1, attempt: 2, notBefore: NOW + 24 * S });
  });

  it("should use the operator's schedule where the webhook has none", () => {
    expect(runOwn(task(), http(500), own(null))).toEqual(run(task(), http(500)));
  });

  it("should disable after the webhook's own count, or never with 0", () => {
    expect(afterFailureCounted(2, true, { disableAfter: 1 }, { disableAfter: 3 })).toEqual([]);
    expect(afterFailureCounted(3, true, { disableAfter: 1 }, { disableAfter: 3 })).toEqual([
      { kind: 'disable', reason: '3 consecutive failed deliveries', cause: 'failed_deliveries' },
    ]);
    expect(afterFailureCounted(50, true, { disableAfter: 1 }, { disableAfter: 0 })).toEqual([]);
    expect(afterFailureCounted(1, true, { disableAfter: 1 }, { disableAfter: null })).toHaveLength(
      1,
    );
  });
});

describe('tierFor, tierHolding and decideHold', () => {
  it('should pick the longest tier whose delay is not longer than the wait', () => {
    expect(tierFor(0, settings.schedule)).toBe(1);
    expect(tierFor(10 * S, settings.schedule)).toBe(1);
    expect(tierFor(299 * S, settings.schedule)).toBe(2);
    expect(tierFor(86_400 * S, settings.schedule)).toBe(5);
  });

  it('should hold a throttle slot until its time, in hops of at most its tier can hold', () => {
    expect(decideHold(NOW + 500, NOW, settings, true, () => 0)).toEqual({
      kind: 'hold',
      tier: 1,
      notBefore: NOW + 500,
      wakeAt: NOW + 500,
      throttleSlot: true,
    });
    expect(decideHold(NOW + 3600 * S, NOW, settings, true, () => 0)).toEqual({
      kind: 'hold',
      tier: 4,
      notBefore: NOW + 3600 * S,
      wakeAt: NOW + 1800 * S,
      throttleSlot: true,
    });
  });

  it('should hold any other task in one wait, on the shortest tier that holds it whole', () => {
    // An open circuit's 30 s cool-down: the 60 s tier, woken at the probe, not hopped on the 10 s one.
    expect(decideHold(NOW + 30 * S, NOW, settings, false, () => 0)).toEqual({
      kind: 'hold',
      tier: 2,
      notBefore: NOW + 30 * S,
      wakeAt: NOW + 30 * S,
      throttleSlot: false,
    });
    // What a tier holds: its delay at the top of the jitter, and the tolerance of an early wake.
    expect(tierHolding(13 * S, settings)).toBe(1);
    expect(tierHolding(13 * S + 1, settings)).toBe(2);
    expect(tierHolding(500, settings)).toBe(1);
    expect(decideHold(NOW + 3600 * S, NOW, settings, false, () => 0)).toMatchObject({
      tier: 5,
      wakeAt: NOW + 3600 * S,
    });
    // Longer than the last tier holds: hopped on it.
    expect(tierHolding(86_400 * S, settings)).toBe(5);
    expect(decideHold(NOW + 86_400 * S, NOW, settings, false, () => 0)).toMatchObject({
      tier: 5,
      wakeAt: NOW + 7200 * S,
    });
  });

  it('should spread the hops of tasks held together over the top of their tier’s jitter, so a wave of holds does not come back as a wave at every hop', () => {
    const n = 1000;
    const hops = Array.from(
      { length: n },
      (_, i) => decideHold(NOW + 3600 * S, NOW, settings, true, () => i / n).wakeAt - NOW,
    );
    const reparks = Array.from(
      { length: n },
      (_, i) => decideEarlyAt(NOW + 3600 * S, 4, NOW, settings, () => i / n)[0]!,
    );
    for (const r of reparks) expect(r).toMatchObject({ kind: 'repark', tier: 4 });
    for (const wakes of [hops, reparks.map((r) => (r as { wakeAt: number }).wakeAt - NOW)])
      expectSpreadOverJitter(wakes, 4);
    // A hold or a due time that its tier holds in one wait is not cut into hops.
    expect(decideHold(NOW + 2100 * S, NOW, settings, false, () => 0).wakeAt).toBe(NOW + 2100 * S);
    expect(decideEarlyAt(NOW + 2100 * S, 4, NOW, settings, () => 0)).toEqual([
      { kind: 'repark', tier: 4, wakeAt: NOW + 2100 * S },
    ]);
  });
});

describe('circuitHoldUntil', () => {
  /** random() = 0 is no spread at all. */
  const hold = (downFor: number, retryIn: number, random = () => 0) =>
    circuitHoldUntil({ retryAt: NOW + retryIn, downSince: NOW - downFor }, NOW, settings, random) -
    NOW;

  it('should hold until the probe early in an outage', () => {
    expect(hold(0, 30 * S)).toBe(30 * S);
    expect(hold(9 * S, 21 * S)).toBe(21 * S);
    expect(hold(20 * S, 10 * S)).toBe(10 * S);
  });

  it('should then wait the delay of the longest tier not longer than the outage so far, on that tier without hops', () => {
    expect(hold(90 * S, 2 * S)).toBe(60 * S);
    expect(hold(299 * S, 2 * S)).toBe(60 * S);
    expect(hold(400 * S, 2 * S)).toBe(300 * S);
    expect(hold(7 * 86_400 * S, 2 * S)).toBe(7200 * S);
    const until = circuitHoldUntil(
      { retryAt: NOW, downSince: NOW - 400 * S },
      NOW,
      settings,
      () => 0,
    );
    expect(decideHold(until, NOW, settings, false, () => 0)).toMatchObject({
      tier: 3,
      wakeAt: until,
    });
  });

  it('should spread the tasks held together over up to jitter more of their wait, so they do not come back as one wave', () => {
    const n = 1000;
    const early = Array.from({ length: n }, (_, i) => hold(0, 30 * S, () => i / n));
    expect(Math.min(...early)).toBe(30 * S);
    expect(Math.max(...early)).toBeGreaterThan(35.9 * S);
    expect(Math.max(...early)).toBeLessThanOrEqual(36 * S);
    // Evenly: no tenth of the spread gets more than a tenth of the tasks (and a little).
    const perTenth = new Map<number, number>();
    for (const at of early) {
      const tenth = Math.min(9, Math.floor((at - 30 * S) / (0.6 * S)));
      perTenth.set(tenth, (perTenth.get(tenth) ?? 0) + 1);
    }
    expect(Math.max(...perTenth.values())).toBeLessThanOrEqual(n / 10 + 1);

    // Spread by a tier's jitter at most, a later hold still fits its tier in one wait.
    const late = hold(400 * S, 2 * S, () => 0.999_999);
    expect(late).toBeLessThanOrEqual(360 * S);
    expect(decideHold(NOW + late, NOW, settings, false, () => 0)).toMatchObject({
      tier: 3,
      wakeAt: NOW + late,
    });
  });

  it('should look a few times per tier over a day-long outage, not once per cool-down', () => {
    let now = NOW;
    let looks = 0;
    while (now < NOW + 86_400 * S) {
      now = circuitHoldUntil({ retryAt: now + 30 * S, downSince: NOW }, now, settings, Math.random);
      looks++;
    }
    expect(looks).toBeLessThan(30);
  });
});

describe('decideEarly', () => {
  const tier5 = (due: number) => task({ attempt: 2, not_before: new Date(due).toISOString() });

  it('should let a due task (or one due within a second) go ahead', () => {
    expect(decideEarly(tier5(NOW - 1), 5, NOW, settings, () => 0)).toEqual([]);
    expect(decideEarly(tier5(NOW + 900), 5, NOW, settings, () => 0)).toEqual([]);
    expect(decideEarly(task(), 5, NOW, settings, () => 0)).toEqual([]);
  });

  it('should re-park a task woken early, for at most its tier can hold (its delay, with random() = 0)', () => {
    expect(decideEarly(tier5(NOW + 86_400 * S), 5, NOW, settings, () => 0)).toEqual([
      { kind: 'repark', tier: 5, wakeAt: NOW + 7200 * S },
    ]);
    expect(decideEarly(tier5(NOW + 60 * S), 5, NOW, settings, () => 0)).toEqual([
      { kind: 'repark', tier: 5, wakeAt: NOW + 60 * S },
    ]);
  });

  it('should never re-park a task read from hookline.deliveries', () => {
    expect(decideEarly(tier5(NOW + 86_400 * S), undefined, NOW, settings, () => 0)).toEqual([]);
  });

  it('should decide the same from the due time a header gives as from the task', () => {
    for (const due of [NOW - 1, NOW + 900, NOW + 60 * S, NOW + 86_400 * S])
      for (const tier of [5, undefined])
        expect(decideEarlyAt(due, tier, NOW, settings, () => 0)).toEqual(
          decideEarly(tier5(due), tier, NOW, settings, () => 0),
        );
    expect(decideEarlyAt(NaN, 5, NOW, settings, () => 0)).toEqual([]);
  });

  // Nothing the lifecycle decides waits that long: only a task written to a tier by something else
  // (a hostile write to an internal topic, a bad replay) does, and it would hop on its tier until
  // then, its delivery pending, every hop a produce and a fetch.
  it('should end a task due past the longest wait, not re-park it, whether read from its header or its value', () => {
    const lastError = `not attempted: due at ${new Date(NOW + 31 * 86_400 * S).toISOString()}, past the longest a delivery may wait (30 days)`;
    const ended = [
      { kind: 'dead_letter', reason: 'due_too_late', lastError },
      { kind: 'close_unattempted', error: lastError },
      // The task was read for its second attempt: one was made.
      { kind: 'announce_dead', lastError, attempts: 1 },
    ];
    expect(decideEarly(tier5(NOW + 31 * 86_400 * S), 5, NOW, settings, () => 0)).toEqual(ended);
    expect(decideEarlyAt(NOW + 31 * 86_400 * S, 5, NOW, settings, () => 0)).toEqual(ended);
    // A year 275760 date is the latest JavaScript has; the header's fifteen digits reach 33658.
    expect(decideEarlyAt(999_999_999_999_999, 5, NOW, settings, () => 0)[0]).toMatchObject({
      kind: 'dead_letter',
      reason: 'due_too_late',
    });
    // Up to the bound it is a wait like any other (a throttled webhook's backlog may reserve
    // send slots days ahead).
    expect(decideEarlyAt(NOW + 30 * 86_400 * S, 5, NOW, settings, () => 0)).toEqual([
      { kind: 'repark', tier: 5, wakeAt: NOW + 7200 * S },
    ]);
    // Read from hookline.deliveries, a task is attempted now, whatever it says.
    expect(decideEarly(tier5(NOW + 31 * 86_400 * S), undefined, NOW, settings, () => 0)).toEqual(
      [],
    );
  });

  it('should leave a failed row, without an attempt, for a first attempt due too late (it has none yet)', () => {
    const due = NOW + 31 * 86_400 * S;
    const lastError = `not attempted: due at ${new Date(due).toISOString()}, past the longest a delivery may wait (30 days)`;
    const first = task({ attempt: 1, not_before: new Date(due).toISOString() });
    expect(decideEarly(first, 5, NOW, settings, () => 0)).toEqual([
      { kind: 'dead_letter', reason: 'due_too_late', lastError },
      { kind: 'log_unattempted', status: 'failed', error: lastError },
      { kind: 'announce_dead', lastError, attempts: 0 },
    ]);
    expect(decideTooLate(due, settings, first)).toEqual(
      decideEarly(first, 5, NOW, settings, () => 0),
    );
  });
});

describe('longestWaitMs', () => {
  const day = 86_400 * S;
  it("should be the delivery log's retention", () => {
    expect(longestWaitMs(30 * day, settings, { ownDelayMs: day, cooldownMs: 30 * S })).toBe(
      30 * day,
    );
  });

  it('should never be shorter than a wait the lifecycle sets itself, with its jitter', () => {
    // A Retry-After of a day is served up to 1.2 days; a retention of one day must not end it.
    expect(longestWaitMs(day, settings, { ownDelayMs: day, cooldownMs: 30 * S })).toBe(
      1.2 * day + 1000,
    );
    expect(
      longestWaitMs(
        day,
        { ...settings, maxRetryAfterMs: 0 },
        { ownDelayMs: 0, cooldownMs: 2 * day },
      ),
    ).toBe(2.4 * day + 1000);
  });
});

describe('afterFailureCounted', () => {
  it.each([
    [
      1,
      true,
      1,
      [{ kind: 'disable', reason: '1 consecutive failed delivery', cause: 'failed_deliveries' }],
    ],
    [
      3,
      true,
      3,
      [{ kind: 'disable', reason: '3 consecutive failed deliveries', cause: 'failed_deliveries' }],
    ],
    [2, true, 3, []],
    [5, false, 3, []],
    [9, true, 0, []],
  ])('count %i, active %s, disable after %i', (count, active, disableAfter, expected) => {
    expect(afterFailureCounted(count, active, { disableAfter })).toEqual(expected);
  });
});

describe('alreadySettled', () => {
  it.each<
    [string, Partial<DeliveryTask>, { status: DeliveryStatus; chain: number } | undefined, boolean]
  >([
    ['nothing logged yet', {}, undefined, false],
    ['still pending', { attempt: 2 }, { status: 'pending', chain: 0 }, false],
    ['succeeded in its chain', {}, { status: 'succeeded', chain: 0 }, true],
    ['failed in its chain', { attempt: 3 }, { status: 'failed', chain: 0 }, true],
    ['ended in a later chain', {}, { status: 'succeeded', chain: 5 }, true],
    ['skipped while its webhook was disabled', {}, { status: 'skipped', chain: 0 }, true],
    ['a replay after the old chain failed', { chain: 9 }, { status: 'failed', chain: 0 }, false],
    [
      'a manual attempt, whatever the state',
      { manual: true },
      { status: 'succeeded', chain: 0 },
      false,
    ],
  ])('%s', (_name, over, logged, expected) => {
    expect(alreadySettled(task(over), logged)).toBe(expected);
  });
});

describe('decideUndeliverable', () => {
  it('should leave no row for a first automatic attempt to a deleted webhook', () => {
    expect(decideUndeliverable(task(), 'deleted')).toEqual([]);
  });

  it('should record a first automatic attempt to a disabled webhook as skipped, to be recovered', () => {
    expect(decideUndeliverable(task(), 'inactive')).toEqual([
      { kind: 'log_unattempted', status: 'skipped', error: 'not attempted: webhook disabled' },
    ]);
  });

  it('should close a retry or a manual attempt as failed, with the reason', () => {
    expect(decideUndeliverable(task({ attempt: 2 }), 'inactive')).toEqual([
      { kind: 'close_unattempted', error: 'not attempted: webhook disabled' },
    ]);
    expect(decideUndeliverable(task({ manual: true }), 'deleted')).toEqual([
      { kind: 'close_unattempted', error: 'not attempted: webhook deleted' },
    ]);
  });
});

describe('jittered', () => {
  it('should never be negative', () => {
    expect(jittered(0, 0.2, () => 0)).toBe(0);
  });
});

describe('parseRetryAfter', () => {
  it('should read delta-seconds and HTTP dates, and ignore nonsense', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120 * S);
    expect(parseRetryAfter(new Date(NOW + 30 * S).toUTCString(), NOW)).toBe(30 * S);
    expect(parseRetryAfter(new Date(NOW - 30 * S).toUTCString(), NOW)).toBe(0);
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
    expect(parseRetryAfter(['5', '9'], NOW)).toBe(5 * S);
  });
});
