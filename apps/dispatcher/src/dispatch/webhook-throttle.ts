/**
 * Go now (after `waitMs`, a moment), or be held until the reserved `slot` (ms since epoch); or,
 * `tooLate`, the next free slot lies past the longest a delivery may wait and was not reserved.
 */
export type ThrottleDecision =
  { go: true; waitMs: number } | { go: false; slot: number; tooLate?: true };

interface Pace {
  /** The next free send slot. */
  next: number;
  /** When the last task went. */
  lastSent: number;
  /** When the last request was (to be) sent: see spacing. */
  lastPosted: number;
}

/** Two sends closer than this share of the interval would exceed the rate (timers are not exact). */
const SPACING = 0.97;

/**
 * A webhook's `throttle_per_second`: sends are spaced 1/rate apart. A task over the rate is not
 * waited for here — a backlog held in memory is unfinished work of the consumer, which pauses the
 * partitions every other webhook shares once its limits fill — it is given the next free send
 * slot and the lifecycle holds it on a retry tier until then (as a far Retry-After is served, and
 * not counted as an attempt; woken within what its tier holds, see decideHold, so it stands in
 * front of that tier's other tasks no longer than a retry would, and the partition it came from
 * moves on at once). It comes back marked with its slot and goes without taking another,
 * so a backlog drains at the rate, in order. A task that comes back a little early (a tier wakes
 * it within EARLY_TOLERANCE_MS of its slot) waits out the rest here.
 *
 * The pace is kept per dispatcher process. All first attempts of a webhook are read by one process
 * (tasks are keyed by webhook id), which reserves their slots; a retry read from a tier partition
 * owned by another replica takes that replica's pace, so with R replicas an endpoint may see up to
 * R times the rate while retries of it run on several (never more than the rate from first
 * attempts alone).
 */
export class WebhookThrottle {
  private readonly paces = new Map<string, Pace>();

  /**
   * `maxWaitMs`: the longest a delivery may wait (longestWaitMs). A backlog is capped there: a
   * task whose slot would lie further ahead would be attempted after its record was dropped, and
   * a slot reserved for it, never used, would push every later task of the webhook further back.
   */
  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxWaitMs = Infinity,
  ) {}

  /** `reservedSlot`: the slot a held task came back with. */
  admit(webhookId: string, perSecond: number, reservedSlot?: number): ThrottleDecision {
    const now = this.now();
    const interval = 1000 / perSecond;
    const pace = this.pace(webhookId);
    this.prune(now);
    const at = Math.max(now, reservedSlot ?? now);
    const spaced = at - pace.lastSent >= interval * SPACING;
    if (spaced && (reservedSlot !== undefined || pace.next <= now)) {
      pace.lastSent = at;
      pace.next = Math.max(pace.next, at + interval);
      return { go: true, waitMs: at - now };
    }
    // Over the rate (or a slot lost with a restart of the process): the next free slot.
    const slot = Math.max(pace.next, pace.lastSent + interval, now);
    if (slot - now > this.maxWaitMs) return { go: false, slot: Math.ceil(slot), tooLate: true };
    pace.next = slot + interval;
    return { go: false, slot: Math.ceil(slot) };
  }

  /**
   * Whether the request itself may go now: 0, and the time is claimed; else how long to wait
   * before asking again. Admission spaces tasks at the rate, but the steps between it and the
   * request (the webhook's check, a connection, a busy event loop) take a varying few ms to a few
   * hundred, which would bunch requests up again. The time is claimed when the request goes, not
   * when it asks, so that a wait that overran (a stalled event loop) does not let the next one go
   * right behind it.
   */
  spacing(webhookId: string, perSecond: number): number {
    const now = this.now();
    const pace = this.pace(webhookId);
    const wait = pace.lastPosted + (1000 / perSecond) * SPACING - now;
    if (wait > 0) return Math.ceil(wait);
    pace.lastPosted = now;
    return 0;
  }

  private pace(webhookId: string): Pace {
    let pace = this.paces.get(webhookId);
    if (!pace) {
      pace = { next: -Infinity, lastSent: -Infinity, lastPosted: -Infinity };
      this.paces.set(webhookId, pace);
    }
    return pace;
  }

  /** Forgets webhooks whose last slot has passed a while ago (their pace no longer matters). */
  private prune(now: number): void {
    if (this.paces.size < 10_000) return;
    for (const [id, pace] of this.paces)
      if (Math.max(pace.next, pace.lastSent, pace.lastPosted) < now - 60_000) this.paces.delete(id);
  }
}
