import { OperationalEvents } from '@hookline/contracts';
import type { Message } from 'kafkajs';
import type { Logger } from '@hookline/telemetry';

export interface ThrottleEventAnnouncerDeps {
  publisher: { send(topic: string, message: Message): Promise<void> };
  /** hookline.operational */
  topic: string;
  log: Logger;
  /** How long without a held task ends a backlog (default a minute). */
  quietMs?: number;
  now?: () => number;
}

/** Webhooks remembered before the ones quiet for longer than quietMs are forgotten. */
const PRUNE_ABOVE = 10_000;

/**
 * Announces `webhook.throttled` when a webhook's throttle begins holding a backlog: the first task
 * held after `quietMs` without one. A backlog holds every task over the rate, so one event per
 * held task would flood the project with its own throttle; a backlog that keeps being fed is one
 * announcement however long it lasts, and at most one per webhook per `quietMs` either way.
 *
 * Kept per dispatcher process, as the throttle's pace is: first attempts of a webhook are all held
 * by one process, so a backlog is announced once (a replica holding only retries of it may
 * announce it too). Not awaited (the hold is on the consumer's path) and not retried: a lost
 * announcement is logged.
 */
export class ThrottleEventAnnouncer {
  /** When each webhook last had a task held. */
  private readonly lastHeld = new Map<string, number>();
  private readonly quietMs: number;
  private readonly now: () => number;

  constructor(private readonly deps: ThrottleEventAnnouncerDeps) {
    this.quietMs = deps.quietMs ?? 60_000;
    this.now = deps.now ?? Date.now;
  }

  /** A task of the webhook was held until `slot` (ms since epoch) by its throttle. */
  held(webhook: { id: string; projectId: string }, perSecond: number, slot: number): void {
    const now = this.now();
    const last = this.lastHeld.get(webhook.id);
    this.lastHeld.set(webhook.id, now);
    this.prune(now);
    if (last !== undefined && now - last < this.quietMs) return;
    const message = OperationalEvents.webhookThrottled(
      webhook.projectId,
      { webhookId: webhook.id, perSecond, heldUntil: new Date(slot) },
      new Date(now),
    );
    this.deps.publisher
      .send(this.deps.topic, message)
      .catch((err: unknown) =>
        this.deps.log.warn({ err, webhookId: webhook.id }, 'throttled webhook not announced'),
      );
  }

  private prune(now: number): void {
    if (this.lastHeld.size < PRUNE_ABOVE) return;
    for (const [id, at] of this.lastHeld) if (now - at >= this.quietMs) this.lastHeld.delete(id);
  }
}
