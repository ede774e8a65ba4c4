import type { Message } from 'kafkajs';
import {
  decodeDeliveryTask,
  DeliveryTasks,
  KafkaHeaders,
  type HoldReason,
  OperationalEvents,
  type DeadLetterReason,
  type DeliveryTask,
  type Topics,
} from '@hookline/contracts';
import { headerString, MessageTooLargeError, traceHeadersOf } from '@hookline/kafka';
import {
  WebhookNotFoundError,
  type DeliveryLogRepository,
  type WebhookEventStore,
} from '@hookline/persistence';
import type { Logger } from '@hookline/telemetry';
import type { AttemptLogWriter } from '../dispatch/attempt-log.writer';
import type { CircuitRefusal } from '../dispatch/circuit-breaker';
import type { DispatcherMetrics } from '../dispatch/dispatcher.metrics';
import type { ConsumedMessage } from '@hookline/kafka';
import type { DeliverableWebhook } from '../dispatch/webhook-directory';
import {
  afterFailureCounted,
  decide,
  circuitHoldUntil,
  decideEarly,
  decideEarlyAt,
  decideHold,
  decideTooLate,
  decideUndeliverable,
  type AttemptResult,
  type Effect,
  type LifecycleSettings,
} from './delivery-lifecycle';

/** Who the event store records for changes the dispatcher makes. */
export const DISPATCHER_ACTOR = 'system:dispatcher';

/** An attempt that was made: what was sent, and what came back. */
export interface FinishedAttempt {
  task: DeliveryTask;
  message: ConsumedMessage;
  webhook: Pick<
    DeliverableWebhook,
    'id' | 'projectId' | 'url' | 'consecutiveFailures' | 'retrySchedule' | 'disableAfter'
  >;
  result: AttemptResult & { body: string | null; durationMs: number };
  requestHeaders: Record<string, string>;
  startedAt: Date;
}

export interface LifecycleExecutorDeps {
  settings: LifecycleSettings;
  random?: () => number;
  now?: () => number;
  /** Kafka writes: resolves once the broker acknowledged. */
  publisher: { send(topic: string, message: Message): Promise<void> };
  attemptLog: AttemptLogWriter;
  deliveryLog: DeliveryLogRepository;
  eventStore: WebhookEventStore;
  topics: Topics;
  metrics: DispatcherMetrics;
  log: Logger;
}

/** Retries a Postgres step a few times before giving the task back to the consumer (which repeats it). */
async function persistently<T>(fn: () => Promise<T>, tries = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof WebhookNotFoundError || i >= tries) throw e;
      await new Promise((r) => setTimeout(r, 200 * 2 ** i));
    }
  }
}

/**
 * Carries out what the delivery lifecycle decided (see delivery-lifecycle.ts for the rules), one
 * effect after the other in the decided order. Every step is awaited: the task counts as finished
 * only when all of it is durable, so a crash part-way repeats the attempt rather than losing it.
 */
export class LifecycleExecutor {
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(private readonly deps: LifecycleExecutorDeps) {
    this.random = deps.random ?? Math.random;
    this.now = deps.now ?? Date.now;
  }

  async afterAttempt(a: FinishedAttempt): Promise<void> {
    const effects = decide(
      {
        task: a.task,
        result: a.result,
        consecutiveFailures: a.webhook.consecutiveFailures,
        limits: a.webhook,
        now: this.now(),
        random: this.random,
      },
      this.deps.settings,
    );
    // A retry or dead letter refused as too large ends the task (see sendTask): its attempt is
    // then logged as final, with why no retry follows.
    let ended: string | undefined;
    for (const effect of effects) {
      if (ended !== undefined && effect.kind === 'log') await this.log(a, 'failed', null, ended);
      else ended = (await this.run(effect, a)) ?? ended;
    }
  }

  /**
   * A message on a task topic that is not a valid task: dead-lettered as it came, so its
   * partition moves on and an operator can see it (never silently dropped).
   */
  async unreadable(message: ConsumedMessage, error: unknown): Promise<void> {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    await this.deps.publisher.send(
      this.deps.topics.deliveriesDlq,
      DeliveryTasks.asItCame(message, this.deadAsItCame(message, 'invalid_task', text)),
    );
    this.deps.metrics.deadLettered.inc();
  }

  /**
   * Before the task is even read: a retry-tier task whose `hookline-due` header says it is not due
   * yet goes back on its tier as it came (see DeliveryTasks.rehop), and the answer is that
   * produce; undefined when the task must be read (one from hookline.deliveries, a due one, one
   * written before tasks carried the header). Not async, so that the tasks that go on to their
   * attempt, nearly all of them, pay no promise for it.
   */
  rehopUnread(message: ConsumedMessage): Promise<unknown> | undefined {
    const tier = this.deps.topics.retry.indexOf(message.topic);
    if (tier < 0) return undefined;
    const due = headerString(message.headers, KafkaHeaders.due);
    if (due === undefined || !/^\d{1,15}$/.test(due)) return undefined;
    const [effect] = decideEarlyAt(
      Number(due),
      tier + 1,
      this.now(),
      this.deps.settings,
      this.random,
    );
    if (effect?.kind !== 'repark') return undefined;
    return this.toTier(effect.tier, DeliveryTasks.rehop(message, effect.wakeAt), message, {
      attempted: false,
    });
  }

  /**
   * Before an attempt: answers false when the task is not due yet and went back on its tier
   * (see decideEarly), true when the attempt may go ahead.
   */
  async beforeAttempt(task: DeliveryTask, message: ConsumedMessage): Promise<boolean> {
    const tier = this.deps.topics.retry.indexOf(message.topic);
    const effects = decideEarly(
      task,
      tier < 0 ? undefined : tier + 1,
      this.now(),
      this.deps.settings,
      this.random,
    );
    // Only a task written to its tier from elsewhere is due that late (a throttle's overflow ends
    // in endTooLate, unlogged: one line per task of an overloaded webhook would flood the log).
    if (effects[0]?.kind === 'dead_letter')
      this.deps.log.warn(
        { deliveryId: task.delivery_id, webhookId: task.webhook_id, topic: message.topic },
        'a task due later than any delivery may wait dead-lettered',
      );
    for (const effect of effects) await this.runEarly(effect, task, message);
    return effects.length === 0;
  }

  /**
   * A task not attempted now (its webhook's throttle, its endpoint's open circuit or backlog): held on a
   * retry tier until `until` without counting as an attempt; `throttleSlot` marks `until` as the
   * send slot the throttle reserved for it.
   */
  async hold(
    task: DeliveryTask,
    message: ConsumedMessage,
    until: number,
    reason: HoldReason,
    throttleSlot = false,
  ): Promise<void> {
    await this.sendHold(
      until,
      reason,
      throttleSlot,
      (effect) => DeliveryTasks.hold(task, { ...effect, reason }, traceHeadersOf(message.headers)),
      message,
      { attempted: false, task },
    );
  }

  /**
   * A task its webhook's throttle could give no send slot within the longest a delivery may wait
   * (the next free one, `due`, lies past it): ended at once, as a task found due too late is.
   */
  async endTooLate(task: DeliveryTask, message: ConsumedMessage, due: number): Promise<void> {
    for (const effect of decideTooLate(due, this.deps.settings, task))
      await this.runEarly(effect, task, message);
  }

  /**
   * Whether a message is a hold of a task its endpoint held back (or a hop of one): its open
   * circuit, or its backlog before it was found stalled (`endpoint_busy`). Either hold wrote all a
   * circuit's hold writes in the task's value, so reholdUnread may hold it again while the
   * endpoint's circuit is open. A throttle's hold is not one: its value keeps a send slot.
   */
  heldForEndpoint(message: ConsumedMessage): boolean {
    if (!this.deps.topics.retry.includes(message.topic)) return false;
    const reason = headerString(message.headers, KafkaHeaders.heldFor);
    return reason === 'circuit_open' || reason === 'endpoint_busy';
  }

  /**
   * A task its endpoint held before (heldForEndpoint), back while the endpoint's circuit is open:
   * held again as it came (see DeliveryTasks.rehold), now for the circuit. A held task looks at its
   * circuit a few times per tier over an outage (see circuitHoldUntil), and the first look already
   * wrote all a hold changes in its value, so the later ones cost what a hop costs: a fetch and a
   * produce, not a decode, a schema check, a span and an encode besides. So do the tasks a hung
   * endpoint turned away in the second before its circuit opened, which come back together just
   * after. Answers that produce.
   */
  reholdUnread(message: ConsumedMessage, refusal: CircuitRefusal): Promise<void> {
    const until = circuitHoldUntil(refusal, this.now(), this.deps.settings, this.random);
    return this.sendHold(
      until,
      'circuit_open',
      false,
      (effect) => DeliveryTasks.rehold(message, effect),
      message,
      { attempted: false },
    );
  }

  /** A task refused by its endpoint's open circuit (see circuitHoldUntil). */
  holdForCircuit(
    task: DeliveryTask,
    message: ConsumedMessage,
    refusal: CircuitRefusal,
  ): Promise<void> {
    const until = circuitHoldUntil(refusal, this.now(), this.deps.settings, this.random);
    return this.hold(task, message, until, 'circuit_open');
  }

  /** A hold's message (made by `next` for the tier and times decideHold chose) sent to its tier. */
  private async sendHold(
    until: number,
    reason: HoldReason,
    throttleSlot: boolean,
    next: (effect: ReturnType<typeof decideHold>) => Message,
    source: ConsumedMessage,
    ending: TaskEnding,
  ): Promise<void> {
    const effect = decideHold(until, this.now(), this.deps.settings, throttleSlot, this.random);
    const ended = await this.sendTask(
      this.deps.topics.retry[effect.tier - 1]!,
      next(effect),
      source,
      ending,
    );
    if (ended === undefined) this.deps.metrics.tasksHeld.inc({ reason });
  }

  /** What decideEarly or decideTooLate decided: a re-park, or the end of a task due too late. */
  private async runEarly(effect: Effect, task: DeliveryTask, message: ConsumedMessage) {
    switch (effect.kind) {
      case 'repark':
        await this.toTier(
          effect.tier,
          DeliveryTasks.repark(task, effect.wakeAt, traceHeadersOf(message.headers)),
          message,
          { attempted: false, task },
        );
        return;
      case 'dead_letter':
        await this.deadLetter(effect, task, message);
        return;
      case 'close_unattempted':
      case 'log_unattempted':
        return this.endUnattempted(effect, task);
      case 'announce_dead':
        return this.announceDead(task, task.event.project_id, effect);
    }
  }

  /** The task to hookline.deliveries.dlq; answers as sendTask (its death is the caller's to announce). */
  private async deadLetter(
    effect: Extract<Effect, { kind: 'dead_letter' }>,
    task: DeliveryTask,
    message: ConsumedMessage,
  ): Promise<string | undefined> {
    const ended = await this.sendTask(
      this.deps.topics.deliveriesDlq,
      DeliveryTasks.deadLetter(
        task,
        {
          reason: effect.reason,
          lastError: effect.lastError,
          sourceTopic: message.topic,
          at: new Date(this.now()),
        },
        traceHeadersOf(message.headers),
      ),
      message,
      // The lifecycle announces its dead letters itself (announce_dead).
      { announced: true, task },
    );
    if (ended === undefined) this.deps.metrics.deadLettered.inc();
    return ended;
  }

  /** The delivery closed as failed with no attempt, if the log shows it pending. */
  private closeUnattempted(task: DeliveryTask, error: string): Promise<void> {
    return persistently(() =>
      this.deps.deliveryLog.closeUnattempted(task.delivery_id, error, createdAtOf(task)),
    );
  }

  /**
   * A retry, a hop or a re-park of the task read from `source`, onto retry tier `tier`
   * (1-based), counted once acknowledged; answers as sendTask.
   */
  private async toTier(
    tier: number,
    next: Message,
    source: ConsumedMessage,
    ending: TaskEnding,
  ): Promise<string | undefined> {
    const ended = await this.sendTask(this.deps.topics.retry[tier - 1]!, next, source, ending);
    if (ended === undefined) this.deps.metrics.retriesScheduled.inc({ tier: String(tier) });
    return ended;
  }

  /**
   * Sends the task's next message (a retry, a hold, a hop, its dead letter); answers undefined
   * once it is acknowledged, or why the task ended when its topic refused it as too large. Such a
   * refusal repeats on every send (the task fits the topic it was read from, but its next message
   * carries more, or the next topic's max.message.bytes is lower, or was lowered while the task
   * waited): repeating the attempt would POST the same delivery forever and hold its partition's
   * commits. The task ends here instead (see endTooLarge), its death announced unless the caller
   * announces it (see TaskEnding).
   */
  private async sendTask(
    topic: string,
    next: Message,
    source: ConsumedMessage,
    ending: TaskEnding,
  ): Promise<string | undefined> {
    try {
      await this.deps.publisher.send(topic, next);
      return undefined;
    } catch (e) {
      if (!(e instanceof MessageTooLargeError)) throw e;
      const ended = ending.task ?? decodeDeliveryTask(source.value ?? '');
      await this.endTooLarge(ended, source, e);
      if ('attempted' in ending)
        await this.announceDead(ended, ended.event.project_id, {
          lastError: e.reason,
          attempts: ending.attempted ? ended.attempt : ended.attempt - 1,
        });
      return e.reason;
    }
  }

  /**
   * A task whose next message its topic refused as too large: dead-lettered as it was read (it
   * fits a topic, so it can be replayed once the topics take it; without its value when the DLQ
   * refuses even that), and its delivery, if logged `pending`, closed as failed with the reason.
   */
  private async endTooLarge(
    task: DeliveryTask,
    source: ConsumedMessage,
    refused: MessageTooLargeError,
  ): Promise<void> {
    const { deps } = this;
    const error = refused.reason;
    const dead = this.deadAsItCame(source, 'too_large', error);
    try {
      await deps.publisher.send(deps.topics.deliveriesDlq, DeliveryTasks.asItCame(source, dead));
    } catch (e) {
      if (!(e instanceof MessageTooLargeError)) throw e;
      await deps.publisher.send(
        deps.topics.deliveriesDlq,
        DeliveryTasks.asItCame({ key: source.key, value: null }, dead),
      );
    }
    await this.closeUnattempted(task, error);
    deps.metrics.deadLettered.inc();
    deps.log.warn(
      { deliveryId: task.delivery_id, webhookId: task.webhook_id, topic: refused.topic },
      'a task whose next message is too large for its topic dead-lettered',
    );
  }

  /** Why and whence of a message dead-lettered as it came (see DeliveryTasks.asItCame). */
  private deadAsItCame(source: ConsumedMessage, reason: DeadLetterReason, error: string) {
    return {
      reason,
      error,
      sourceTopic: source.topic,
      partition: source.partition,
      offset: source.offset,
      at: new Date(this.now()),
    };
  }

  /** A task whose webhook was deleted or disabled before its attempt. */
  async undeliverable(task: DeliveryTask, reason: 'deleted' | 'inactive'): Promise<void> {
    for (const effect of decideUndeliverable(task, reason))
      if (effect.kind === 'close_unattempted' || effect.kind === 'log_unattempted')
        await this.endUnattempted(effect, task);
  }

  /** A delivery ended without its attempt: its pending row closed, or a first attempt's written. */
  private endUnattempted(
    effect: Extract<Effect, { kind: 'close_unattempted' | 'log_unattempted' }>,
    task: DeliveryTask,
  ): Promise<void> {
    return effect.kind === 'close_unattempted'
      ? this.closeUnattempted(task, effect.error)
      : this.logUnattempted(task, effect.status, effect.error);
  }

  /** A delivery row with no attempt, through the batched writer like every other row. */
  private logUnattempted(
    task: DeliveryTask,
    status: 'skipped' | 'failed',
    error: string,
  ): Promise<void> {
    return this.deps.attemptLog.record({
      ...taskRow(task),
      trigger: 'automatic',
      url: '',
      requestHeaders: {},
      responseStatus: null,
      responseBody: null,
      durationMs: 0,
      errorClass: null,
      error,
      startedAt: new Date(this.now()),
      status,
      attempted: false,
      nextAttemptAt: null,
      chain: task.chain ?? 0,
    });
  }

  /** Carries out one effect; answers why the task ended when a retry or dead letter could not be sent. */
  private async run(effect: Effect, a: FinishedAttempt): Promise<string | void> {
    const { deps } = this;
    const { task, webhook, message } = a;
    switch (effect.kind) {
      case 'log':
        return this.log(a, effect.status, effect.nextAttemptAt);
      case 'retry':
        return this.toTier(
          effect.tier,
          DeliveryTasks.retry(task, effect, traceHeadersOf(message.headers)),
          message,
          { attempted: true, task },
        );
      case 'dead_letter':
        return this.deadLetter(effect, task, message);
      case 'count_failure': {
        const counted = await persistently(() => deps.eventStore.countFailedDelivery(webhook.id));
        if (!counted) return; // deleted meanwhile: nothing left to disable
        const disable = afterFailureCounted(counted.count, counted.active, deps.settings, webhook);
        for (const next of disable) await this.run(next, a);
        return;
      }
      case 'reset_failures':
        return persistently(() => deps.eventStore.resetFailedDeliveries(webhook.id));
      case 'disable': {
        // The disable is an event-store change: the registry's outbox relay publishes it, in
        // changelog order, as `webhook.disabled` on hookline.operational (once, for every cause).
        const disabled = await persistently(() =>
          deps.eventStore.disable(webhook.id, effect.reason, DISPATCHER_ACTOR),
        ).catch(ignoreDeleted);
        if (!disabled || !disabled.changed) return;
        deps.metrics.webhooksDisabled.inc({ reason: effect.cause });
        deps.log.warn(
          { webhookId: webhook.id, deliveryId: task.delivery_id, reason: effect.reason },
          'webhook disabled',
        );
        return;
      }
      case 'announce_dead':
        return this.announceDead(task, webhook.projectId, effect);
      case 'repark':
        return this.runEarly(effect, task, message);
      case 'close_unattempted':
      case 'log_unattempted':
        return this.endUnattempted(effect, task);
      case 'hold':
        return; // decided before an attempt, never after one (see hold)
    }
  }

  /** The attempt's row; `ended`, why no retry follows it although the lifecycle decided one. */
  private log(
    a: FinishedAttempt,
    status: 'pending' | 'succeeded' | 'failed',
    next: number | null,
    ended?: string,
  ) {
    const { task, result } = a;
    return this.deps.attemptLog.record(
      {
        ...taskRow(task),
        trigger: task.manual
          ? task.event.event === 'webhook.ping'
            ? 'test'
            : 'redeliver'
          : 'automatic',
        url: a.webhook.url,
        requestHeaders: a.requestHeaders,
        responseStatus: result.status,
        responseBody: result.body,
        durationMs: result.durationMs,
        errorClass: result.errorClass,
        error:
          ended === undefined ? result.error : [result.error, ended].filter(Boolean).join('; '),
        startedAt: a.startedAt,
        status,
        nextAttemptAt: next === null ? null : new Date(next),
        chain: task.chain ?? 0,
      },
      // The task's message holds the event: its size, without encoding the event to measure it.
      a.message.value?.length,
    );
  }

  /** `delivery.dead` on hookline.operational, for the project whose webhook the task is for. */
  private announceDead(
    task: DeliveryTask,
    projectId: string,
    { lastError, attempts }: { lastError: string; attempts: number },
  ): Promise<void> {
    return this.deps.publisher.send(
      this.deps.topics.operational,
      OperationalEvents.deliveryDead(
        projectId,
        {
          webhookId: task.webhook_id,
          deliveryId: task.delivery_id,
          eventId: task.event.id,
          eventType: task.event.event,
          attempts,
          lastError,
        },
        new Date(this.now()),
      ),
    );
  }
}

/**
 * What a task's next message stands for, should its topic refuse it (see sendTask): the task, when
 * it was read (a hop is sent unread), and whether its own attempt was made before it (a retry) or
 * not (a hold, a hop), which its death announces as the attempts made; or that the caller
 * announces the death itself.
 */
type TaskEnding = { task?: DeliveryTask } & ({ attempted: boolean } | { announced: true });

function ignoreDeleted(e: unknown): undefined {
  if (e instanceof WebhookNotFoundError) return undefined;
  throw e;
}

/** The fields of a delivery-log row that the task alone decides. */
function taskRow(task: DeliveryTask) {
  return {
    deliveryId: task.delivery_id,
    webhookId: task.webhook_id,
    projectId: task.event.project_id,
    event: task.event,
    attempt: task.attempt,
    createdAt: createdAtOf(task),
  };
}

/** The delivery's birth time (its log partition); null on a task from before tasks carried it. */
function createdAtOf(task: DeliveryTask): Date | null {
  return task.created_at ? new Date(task.created_at) : null;
}
