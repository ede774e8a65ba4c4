import {
  clipText,
  type AttemptErrorClass,
  type DeadLetterReason,
  type DeliveryStatus,
  type DeliveryTask,
} from '@hookline/contracts';

/**
 * What happens after an attempt, decided in one pure function: no I/O, no clock, no randomness of
 * its own (`now` and `random` come in), so a table of cases pins every rule of DESIGN.md's
 * "Delivery rules". LifecycleExecutor carries the effects out, in the order they are listed.
 *
 * The rules:
 * - success is any 2xx answered completely within the deadline; it resets the webhook's count of
 *   consecutive failed deliveries;
 * - 410 Gone disables the webhook at once and fails the delivery (never retried);
 * - a manual attempt (redeliver, test) that fails is logged failed and never retried;
 * - an attempt that can never be made (`permanent`: the secret no longer opens) is dead at once,
 *   without counting against the webhook;
 * - otherwise retry n waits schedule[n-1] ±jitter on tier n; a 429 or 503 with Retry-After moves
 *   the task to the first tier (from the due one on) whose delay is at least that long, and it is
 *   not attempted before Retry-After has passed (capped at maxRetryAfterMs);
 * - after the last tier the task is dead: dead-lettered, the delivery failed, `delivery.dead`
 *   announced, and the webhook's failure count goes up — `afterFailureCounted` then disables the
 *   webhook once the count reaches disableAfter (0: never).
 *
 * A webhook with its own `retry_schedule` and `disable_after_failed_deliveries` (WebhookLimits)
 * follows them instead of the operator's. The tiers stay the operator's Kafka topics: a delay of
 * the webhook's schedule waits on the longest tier whose delay is not longer (tierFor), woken at
 * its time, and a delay longer than that tier holds is served in hops like a long Retry-After.
 */

export interface AttemptResult {
  /** The HTTP status, or null when no complete answer came. */
  status: number | null;
  errorClass: AttemptErrorClass | null;
  /** From a 429 or 503 answer. */
  retryAfterMs?: number;
  /** What went wrong, for the log and the dead letter (e.g. `HTTP 500`, `timed out after 15 s`). */
  error: string | null;
  /**
   * The attempt could not be made and never will be, whatever the endpoint does (the webhook's
   * secret no longer opens): retrying would only loop.
   */
  permanent?: boolean;
}

export interface LifecycleSettings {
  /**
   * HOOKLINE_RETRY_SCHEDULE in ms: the delay of retry tier n, and the delay before retry n of a
   * webhook without its own schedule.
   */
  schedule: readonly number[];
  /** ±fraction of random spread on each delay. */
  jitter: number;
  /** The longest Retry-After honoured (a receiver cannot park a delivery for a month). */
  maxRetryAfterMs: number;
  /** HOOKLINE_DISABLE_AFTER_FAILED_DELIVERIES (0: never). */
  disableAfter: number;
  /** The furthest ahead a task may be due (longestWaitMs); a task due later is ended (decideEarly). */
  maxWaitMs: number;
}

/** A webhook's own retry schedule and disable threshold; null: the operator's. */
export interface WebhookLimits {
  retrySchedule: readonly number[] | null;
  disableAfter: number | null;
}

export const DEFAULT_JITTER = 0.2;
export const DEFAULT_MAX_RETRY_AFTER_MS = 24 * 3_600_000;

export interface AttemptContext {
  task: DeliveryTask;
  result: AttemptResult;
  /** The webhook's consecutive failed deliveries as last known (only whether it is 0 matters). */
  consecutiveFailures: number;
  /** The webhook's own settings (absent: the operator's). */
  limits?: WebhookLimits;
  now: number;
  /** Uniform in [0, 1), for the jitter. */
  random: () => number;
}

/** The delivery log's state of the delivery after this attempt. */
export type LoggedStatus = 'pending' | 'succeeded' | 'failed';

export type Effect =
  /** Record the attempt, and the delivery's state after it, in the delivery log. */
  | { kind: 'log'; status: LoggedStatus; nextAttemptAt: number | null }
  /**
   * Produce attempt `attempt` to retry tier `tier` (1-based), not before `notBefore`; the tier's
   * consumer holds it until `wakeAt` (= notBefore, except for a Retry-After longer than the tier
   * can hold: see tierHoldMs).
   */
  | {
      kind: 'retry';
      tier: number;
      attempt: number;
      notBefore: number;
      wakeAt: number;
      lastError: string;
    }
  /** Put a task woken before its time back on its tier, to wake again at `wakeAt`. */
  | { kind: 'repark'; tier: number; wakeAt: number }
  /** Send the task to hookline.deliveries.dlq. */
  | { kind: 'dead_letter'; reason: DeadLetterReason; lastError: string }
  /** `delivery.dead` on hookline.operational; `attempts`, how many were made. */
  | { kind: 'announce_dead'; lastError: string; attempts: number }
  /** Add one to the webhook's consecutive failed deliveries; then see afterFailureCounted. */
  | { kind: 'count_failure' }
  | { kind: 'reset_failures' }
  /** Disable the webhook (the event store's relay announces `webhook.disabled`). */
  | { kind: 'disable'; reason: string; cause: 'gone' | 'failed_deliveries' }
  /** Close a delivery the log shows pending as failed, with no attempt (see decideUndeliverable). */
  | { kind: 'close_unattempted'; error: string }
  /**
   * Hold the task, not attempted and not counted as an attempt, on retry tier `tier` until
   * `notBefore` (woken at `wakeAt`); `throttleSlot`: notBefore is its reserved send slot.
   */
  | { kind: 'hold'; tier: number; notBefore: number; wakeAt: number; throttleSlot: boolean }
  /**
   * Record a delivery that has no row yet (a first automatic attempt) as ended without an
   * attempt: `skipped` (its webhook is disabled, see decideUndeliverable) or `failed` (due too
   * late, see decideTooLate).
   */
  | { kind: 'log_unattempted'; status: 'skipped' | 'failed'; error: string };

/** The text a failed attempt leaves in the log and the dead letter. */
export function errorText(result: AttemptResult): string {
  return clipText(
    result.error ?? (result.status !== null ? `HTTP ${result.status}` : 'failed'),
    2000,
  );
}

/** Any 2xx, answered completely within the deadline. */
export const isSuccess = (r: AttemptResult): boolean =>
  r.errorClass === null && r.status !== null && r.status >= 200 && r.status < 300;

const isGone = (r: AttemptResult): boolean => r.status === 410 && r.errorClass === 'http_status';

/**
 * The effects of one finished attempt, in the order they must happen. The order of a death is
 * deliberate: the dead letter first (a crash before the rest repeats the attempt and
 * dead-letters again, harmlessly, rather than losing the task), then the failure count (and the
 * disable it may bring), then the delivery's `failed` — so whoever sees it failed sees the
 * disable too — and last the announcement.
 */
export function decide(ctx: AttemptContext, settings: LifecycleSettings): Effect[] {
  const { task, result } = ctx;
  if (isSuccess(result)) {
    const log: Effect = { kind: 'log', status: 'succeeded', nextAttemptAt: null };
    return ctx.consecutiveFailures > 0 ? [log, { kind: 'reset_failures' }] : [log];
  }
  if (isGone(result)) {
    return [
      { kind: 'disable', reason: 'the endpoint answered 410 Gone', cause: 'gone' },
      { kind: 'log', status: 'failed', nextAttemptAt: null },
    ];
  }
  if (task.manual) return [{ kind: 'log', status: 'failed', nextAttemptAt: null }];
  const lastError = errorText(result);
  if (result.permanent) {
    // Not the endpoint's fault, so it does not count towards disabling the webhook.
    return [
      { kind: 'dead_letter', reason: 'permanent_error', lastError },
      { kind: 'log', status: 'failed', nextAttemptAt: null },
      { kind: 'announce_dead', lastError, attempts: task.attempt },
    ];
  }
  const retry = nextRetry(task.attempt, result, ctx, settings);
  if (retry) {
    return [
      { kind: 'retry', ...retry, lastError },
      { kind: 'log', status: 'pending', nextAttemptAt: retry.notBefore },
    ];
  }
  return [
    { kind: 'dead_letter', reason: 'retries_exhausted', lastError },
    { kind: 'count_failure' },
    { kind: 'log', status: 'failed', nextAttemptAt: null },
    { kind: 'announce_dead', lastError, attempts: task.attempt },
  ];
}

/** The disable rule, once the store has counted a failed delivery (`count` is the new total). */
export function afterFailureCounted(
  count: number,
  active: boolean,
  settings: Pick<LifecycleSettings, 'disableAfter'>,
  limits?: Pick<WebhookLimits, 'disableAfter'>,
): Effect[] {
  const disableAfter = limits?.disableAfter ?? settings.disableAfter;
  if (!active || disableAfter <= 0 || count < disableAfter) return [];
  const reason = `${count} consecutive failed deliver${count === 1 ? 'y' : 'ies'}`;
  return [{ kind: 'disable', reason, cause: 'failed_deliveries' }];
}

function nextRetry(
  attempt: number,
  result: AttemptResult,
  ctx: Pick<AttemptContext, 'now' | 'random' | 'limits'>,
  settings: LifecycleSettings,
): { tier: number; attempt: number; notBefore: number; wakeAt: number } | undefined {
  const own = ctx.limits?.retrySchedule ?? null;
  const schedule = own ?? settings.schedule;
  if (attempt > schedule.length) return undefined;
  // The step of the schedule whose delay applies: retry n's, or a later one for a Retry-After.
  let step = attempt;
  let floor = 0;
  const retryAfter = result.retryAfterMs;
  if (
    retryAfter !== undefined &&
    retryAfter > 0 &&
    (result.status === 429 || result.status === 503)
  ) {
    floor = Math.min(retryAfter, settings.maxRetryAfterMs);
    while (step < schedule.length && schedule[step - 1]! < floor) step++;
  }
  const base = schedule[step - 1]!;
  // The operator's schedule is the tiers' own: step n waits on tier n.
  const tier = own ? tierFor(Math.max(base, floor), settings.schedule) : step;
  const delay = retryDelay(base, floor, settings, ctx.random);
  const notBefore = ctx.now + delay;
  return {
    tier,
    attempt: attempt + 1,
    notBefore,
    wakeAt: wakeOnTier(notBefore, tier, ctx.now, settings, ctx.random),
  };
}

/**
 * The longest a task may wait at the head of tier `tier`: its delay at the top of the jitter.
 * A tier's consumer pauses a partition at the first task not yet due, so every task behind it
 * waits too; tasks are written to a tier in about the order they fall due as long as each is due
 * within this bound, and then a task delays the others by no more than the tier's own delay. A
 * longer wait (a Retry-After beyond the last tier's delay) is served in hops of at most this:
 * the task wakes, is found early, and is re-parked on its tier (decideEarly).
 */
export function tierHoldMs(
  tier: number,
  settings: Pick<LifecycleSettings, 'schedule' | 'jitter'>,
): number {
  return Math.ceil(settings.schedule[tier - 1]! * (1 + settings.jitter));
}

/**
 * The tier a wait of `delayMs` goes on: the longest tier whose delay is not longer, so the task
 * waits behind others for no more than its own wait (a wait shorter than the first tier's goes
 * on the first, behind it by at most that tier's delay).
 */
export function tierFor(delayMs: number, tiers: readonly number[]): number {
  let tier = 1;
  for (let t = 1; t <= tiers.length; t++) if (tiers[t - 1]! <= delayMs) tier = t;
  return tier;
}

/**
 * The longest wait tier `tier` serves in one wait: what it holds (tierHoldMs), and the
 * EARLY_TOLERANCE_MS by which a task may wake before its time, so a hop closer than that to the
 * due time would run the task there, early.
 */
export function tierOneWaitMs(
  tier: number,
  settings: Pick<LifecycleSettings, 'schedule' | 'jitter'>,
): number {
  return tierHoldMs(tier, settings) + EARLY_TOLERANCE_MS;
}

/**
 * The shortest tier that serves a wait of `delayMs` in one wait (tierOneWaitMs); the last one, in
 * hops, when none does.
 */
export function tierHolding(
  delayMs: number,
  settings: Pick<LifecycleSettings, 'schedule' | 'jitter'>,
): number {
  for (let t = 1; t < settings.schedule.length; t++)
    if (tierOneWaitMs(t, settings) >= delayMs) return t;
  return settings.schedule.length;
}

/**
 * A task not attempted now and not counted as an attempt (its webhook's throttle, its endpoint's
 * open circuit or backlog): held until `until`.
 *
 * A throttle's send slot is kept to its time: the task waits on the longest tier whose delay is
 * not longer (tierFor), in hops if that tier holds less, so that it waits behind the tasks before
 * it for no more than its own wait. Any other hold waits once, on the shortest tier that holds it
 * whole (tierHolding), as a Retry-After does. It may then come back later than `until`, by at
 * most that tier's hold less its wait: the tasks written before it on that tier, due later, stand
 * in front of it. Hopped on a shorter tier instead, every task an open circuit held looked at it
 * again at every hop until the probe (a 30 s cool-down on the default 10 s tier: three looks, each
 * a produce and a fetch), and those hops came back as bursts that slowed every other tenant's
 * deliveries (docs/chaos.md, holds in one wait).
 */
export function decideHold(
  until: number,
  now: number,
  settings: Pick<LifecycleSettings, 'schedule' | 'jitter'>,
  throttleSlot: boolean,
  random: () => number,
): Extract<Effect, { kind: 'hold' }> {
  const wait = Math.max(0, until - now);
  const tier = throttleSlot ? tierFor(wait, settings.schedule) : tierHolding(wait, settings);
  return {
    kind: 'hold',
    tier,
    notBefore: until,
    wakeAt: wakeOnTier(until, tier, now, settings, random),
    throttleSlot,
  };
}

/**
 * When a task due at `due` and put on tier `tier` wakes: at `due` if the tier serves that in one
 * wait (tierOneWaitMs), else at a hop within the top of the tier's jitter (its delay to its delay
 * and jitter), at random. The random length does not spread tasks held in one moment
 * (a circuit opening on a backlog, a stalled endpoint's queue turned away, a backlog answered with
 * one long Retry-After): a tier is read in the order it was written and stops at its first task
 * not yet due, so they come back together at about the latest of their hops, as they came, at
 * every hop until each is due (docs/performance.md, the retry storm).
 */
function wakeOnTier(
  due: number,
  tier: number,
  now: number,
  settings: Pick<LifecycleSettings, 'schedule' | 'jitter'>,
  random: () => number,
): number {
  if (due - now <= tierOneWaitMs(tier, settings)) return due;
  return now + stretched(settings.schedule[tier - 1]!, settings.jitter, random);
}

/**
 * Until when a task refused by its endpoint's open circuit is held. Until the circuit lets a probe
 * through, at first; once the endpoint has been down as long as the first tier's delay, for the
 * delay of the longest tier not longer than the outage so far (HOOKLINE_RETRY_SCHEDULE's 10 s,
 * 1 min, 5 min, 30 min, 2 h by default), so that the hold is one wait on one tier, without hops.
 * Each look at the circuit is a produce, a fetch and a decode. Held for one cool-down each time,
 * every held task would look once per cool-down, and an outage would cost its backlog times its
 * length, until one tenant's dead endpoint took more of the dispatcher than every healthy
 * delivery. So a task looks a few times per tier over any outage (under 30 times in a day's), and
 * is back within the outage's length of its end, at most the longest tier's delay.
 *
 * Every task held while the circuit waits for its probe is due at the same moment, the
 * cool-down's end, so the backlog comes back together: read, checked and held again in one burst.
 * Each hold is longer by a random share of up to `jitter` of its wait (never shorter, so no task
 * comes back before the probe may go, and a hold of a tier's delay still fits that tier,
 * tierHoldMs), but that does not spread the burst: a tier is read in the order it was written, so
 * a task comes back no earlier than the latest wake-up written before it. Holding each refused
 * task for the same length instead (back at the rate it was refused) halved the bursts but did not
 * make the storm's healthy deliveries faster in the bench; the tier consumer, which pauses a
 * partition until its first task falls due, would then pause, resume and fetch again for nearly
 * every task (docs/performance.md, the retry storm).
 */
export function circuitHoldUntil(
  refusal: { retryAt: number; downSince: number },
  now: number,
  settings: Pick<LifecycleSettings, 'schedule' | 'jitter'>,
  random: () => number,
): number {
  const down = now - refusal.downSince;
  const wait =
    down >= settings.schedule[0]! ? settings.schedule[tierFor(down, settings.schedule) - 1]! : 0;
  const until = Math.max(refusal.retryAt, now + wait);
  return now + stretched(until - now, settings.jitter, random);
}

/** How early a task may run: clocks of producing and consuming processes differ a little. */
export const EARLY_TOLERANCE_MS = 1000;

/**
 * The furthest ahead a task may be due: the delivery log's retention, since a delivery kept waiting
 * longer would be attempted after its record was dropped. Every wait the lifecycle decides (a
 * retry, a Retry-After, a hold for a circuit) is shorter, whatever the retention; a throttled
 * webhook's backlog is capped at it (WebhookThrottle). A task due later was not written so (a
 * write to a tier from elsewhere, a date of the year 2999): it is ended, not hopped on its tier
 * until then.
 */
export function longestWaitMs(
  retentionMs: number,
  settings: Pick<LifecycleSettings, 'schedule' | 'jitter' | 'maxRetryAfterMs'>,
  limits: { ownDelayMs: number; cooldownMs: number },
): number {
  const longest = Math.max(
    settings.maxRetryAfterMs,
    limits.ownDelayMs,
    limits.cooldownMs,
    ...settings.schedule,
  );
  return Math.max(retentionMs, Math.ceil(longest * (1 + settings.jitter)) + EARLY_TOLERANCE_MS);
}

/**
 * Before an attempt: a task read from retry tier `tier` before its `not_before` (a long
 * Retry-After or a hold served in hops) goes back on the tier instead of being attempted.
 */
export function decideEarly(
  task: DeliveryTask,
  tier: number | undefined,
  now: number,
  settings: Pick<LifecycleSettings, 'schedule' | 'jitter' | 'maxWaitMs'>,
  random: () => number,
): Effect[] {
  if (!task.not_before) return [];
  return decideEarlyAt(Date.parse(task.not_before), tier, now, settings, random, task);
}

/**
 * decideEarly for a task due at `due` (ms), as the message's `hookline-due` header tells it; a
 * task due later than `maxWaitMs` from now (see longestWaitMs) is ended (decideTooLate), which
 * takes the task itself (`task`; without it, a retry's effects).
 */
export function decideEarlyAt(
  due: number,
  tier: number | undefined,
  now: number,
  settings: Pick<LifecycleSettings, 'schedule' | 'jitter' | 'maxWaitMs'>,
  random: () => number,
  task?: Pick<DeliveryTask, 'attempt' | 'manual'>,
): Effect[] {
  if (tier === undefined || Number.isNaN(due) || due <= now + EARLY_TOLERANCE_MS) return [];
  if (due - now > settings.maxWaitMs) return decideTooLate(due, settings, task);
  return [{ kind: 'repark', tier, wakeAt: wakeOnTier(due, tier, now, settings, random) }];
}

/**
 * A task due at `due`, later than any delivery may wait (see longestWaitMs): dead-lettered, its
 * delivery ended as failed without an attempt, and its death announced. A retry's delivery is in
 * the log as pending, and is closed; a first automatic attempt's has no row yet, and gets one, so
 * that the delivery shows in the log as it would had it been attempted.
 */
export function decideTooLate(
  due: number,
  settings: Pick<LifecycleSettings, 'maxWaitMs'>,
  task: Pick<DeliveryTask, 'attempt' | 'manual'> = { attempt: 2 },
): Effect[] {
  const days = +(settings.maxWaitMs / 86_400_000).toFixed(2);
  // A finite time: a header holds at most fifteen digits (year 33658), a task's date at most 9999.
  const lastError = `not attempted: due at ${new Date(due).toISOString()}, past the longest a delivery may wait (${days} days)`;
  const ended: Effect =
    task.attempt === 1 && !task.manual
      ? { kind: 'log_unattempted', status: 'failed', error: lastError }
      : { kind: 'close_unattempted', error: lastError };
  return [
    { kind: 'dead_letter', reason: 'due_too_late', lastError },
    ended,
    // The task is the attempt not made.
    { kind: 'announce_dead', lastError, attempts: task.attempt - 1 },
  ];
}

/**
 * A retry's delay: `base` spread over ±jitter, never less than `floor` (a Retry-After). Where the
 * floor cuts into that spread, the delay spreads over what is left above the floor (up to jitter
 * above the longer of the two, the cap on Retry-After excepted): one Retry-After date answers
 * every task sent in the same moment, and a delay that stopped at the floor would bring them all
 * back to the endpoint at that instant, the burst it asked to be spared.
 */
function retryDelay(
  base: number,
  floor: number,
  settings: Pick<LifecycleSettings, 'jitter' | 'maxRetryAfterMs'>,
  random: () => number,
): number {
  const { jitter } = settings;
  if (floor <= base * (1 - jitter)) return jittered(base, jitter, random);
  const top = Math.max(
    base * (1 + jitter),
    Math.min(floor * (1 + jitter), settings.maxRetryAfterMs),
  );
  return Math.round(floor + random() * (top - floor));
}

/**
 * `waitMs` longer by a random share of up to `jitter` of it, never shorter: for waits with a floor
 * (a hold until a probe, a hop no shorter than its tier's delay) that many tasks start together.
 */
function stretched(waitMs: number, jitter: number, random: () => number): number {
  return waitMs + Math.floor(random() * jitter * waitMs);
}

/** `delayMs` spread uniformly over ±jitter. */
export function jittered(delayMs: number, jitter: number, random: () => number): number {
  const spread = (random() * 2 - 1) * jitter;
  return Math.max(0, Math.round(delayMs * (1 + spread)));
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

/**
 * Whether a task has nothing left to do because its delivery already ended: a final status
 * logged by the task's chain or a later one (a task replayed after a fan-out crash, a late
 * duplicate of a retry). Manual attempts always go: a person asked for them.
 */
export function alreadySettled(
  task: DeliveryTask,
  logged: { status: DeliveryStatus; chain: number } | undefined,
): boolean {
  if (task.manual || !logged || logged.status === 'pending') return false;
  return logged.chain >= (task.chain ?? 0);
}

/**
 * A task whose webhook was deleted or disabled before its attempt: nothing is sent. A delivery
 * the log already shows pending (a retry, a manual attempt) is closed as failed with the reason.
 * A first automatic attempt has no row yet: to a disabled webhook it leaves a `skipped` one, so
 * that the event can be recovered once the webhook is enabled again; to a deleted webhook it
 * leaves none (there is nothing to recover to).
 */
export function decideUndeliverable(task: DeliveryTask, reason: 'deleted' | 'inactive'): Effect[] {
  const what = reason === 'deleted' ? 'deleted' : 'disabled';
  if (task.attempt === 1 && !task.manual)
    return reason === 'inactive'
      ? [{ kind: 'log_unattempted', status: 'skipped', error: `not attempted: webhook ${what}` }]
      : [];
  return [{ kind: 'close_unattempted', error: `not attempted: webhook ${what}` }];
}
