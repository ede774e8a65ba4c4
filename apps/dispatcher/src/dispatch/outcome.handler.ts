import type { IHeaders } from 'kafkajs';
import type { DataSource } from 'typeorm';
import {
  KafkaHeaders,
  OperationalEventSchema,
  newId,
  type DeliveryTask,
  type OperationalEvent,
  type Topics,
} from '@hookline/contracts';
import { headerString } from '@hookline/kafka';
import { WebhookNotFoundError, type WebhookEventStore } from '@hookline/persistence';
import type { Logger } from '@hookline/telemetry';
import type { AttemptLogWriter } from './attempt-log.writer';
import type { DeliveryPolicy } from './delivery-policy';
import type { DispatcherMetrics } from './dispatcher.metrics';
import type { ConsumedMessage } from '@hookline/kafka';
import type { BatchingProducer as TaskPublisher } from '@hookline/kafka';
import type { DeliverableWebhook } from './webhook-directory';
import type { PostResult } from './webhook-http.client';

/** Who the event store records for changes the dispatcher makes. */
export const DISPATCHER_ACTOR = 'system:dispatcher';

export interface FinishedAttempt {
  task: DeliveryTask;
  message: ConsumedMessage;
  webhook: DeliverableWebhook;
  result: PostResult;
  requestHeaders: Record<string, string>;
  startedAt: Date;
}

export interface OutcomeHandlerDeps {
  policy: DeliveryPolicy;
  publisher: TaskPublisher;
  attemptLog: AttemptLogWriter;
  eventStore: WebhookEventStore;
  dataSource: DataSource;
  topics: Topics;
  /** HOOKLINE_DISABLE_AFTER_FAILED_DELIVERIES (0: never). */
  disableAfter: number;
  metrics: DispatcherMetrics;
  log: Logger;
}

const errorText = (r: PostResult) =>
  (r.error ?? (r.status !== null ? `HTTP ${r.status}` : 'failed')).slice(0, 2000);

/** The trace context travels on with the task, so every attempt is a child of the producer's span. */
function traceHeaders(headers: IHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of [KafkaHeaders.traceparent, KafkaHeaders.tracestate]) {
    const value = headerString(headers, name);
    if (value) out[name] = value;
  }
  return out;
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
 * What follows an attempt, per the delivery policy: the delivery log, the next retry tier, the
 * DLQ and the disable rule, 410's immediate disable, and `delivery.dead`. Every step is
 * awaited: the task counts as finished only when all of it is durable.
 */
export class OutcomeHandler {
  constructor(private readonly deps: OutcomeHandlerDeps) {}

  async afterAttempt(a: FinishedAttempt): Promise<void> {
    const { task, result, webhook, message } = a;
    const { policy, publisher, topics, metrics } = this.deps;
    const step = policy.next(task.attempt, result, task.manual === true);
    switch (step.kind) {
      case 'succeeded': {
        const reset =
          webhook.consecutiveFailures > 0
            ? persistently(() =>
                this.deps.eventStore.recordDeliveryOutcome(
                  webhook.id,
                  true,
                  this.deps.disableAfter,
                  DISPATCHER_ACTOR,
                ),
              ).catch(ignoreDeleted)
            : undefined;
        await Promise.all([this.record(a, 'succeeded', null), reset]);
        return;
      }
      case 'retry': {
        const next: DeliveryTask = {
          ...task,
          attempt: step.attempt,
          not_before: new Date(step.notBefore).toISOString(),
          last_error: errorText(result),
        };
        await Promise.all([
          publisher.send(topics.retry[step.tier - 1]!, {
            key: task.webhook_id,
            value: JSON.stringify(next),
            headers: {
              ...traceHeaders(message.headers),
              [KafkaHeaders.notBefore]: String(step.notBefore),
              [KafkaHeaders.eventType]: task.event.event,
            },
          }),
          this.record(a, 'pending', new Date(step.notBefore)),
        ]);
        metrics.retriesScheduled.inc({ tier: String(step.tier) });
        return;
      }
      case 'gone':
        // Disabled before the delivery shows failed, as in dead() below.
        await this.disableGone(webhook);
        await this.record(a, 'failed', null);
        return;
      case 'failed_manual':
        await this.record(a, 'failed', null);
        return;
      case 'dead':
        await this.dead(a);
        return;
    }
  }

  /** A task whose webhook was deleted or disabled: a delivery still pending is closed as failed. */
  async dropped(task: DeliveryTask, reason: 'deleted' | 'inactive'): Promise<void> {
    if (task.attempt === 1 && !task.manual) return; // nothing logged for it yet
    await persistently(() =>
      this.deps.dataSource.query(
        `update deliveries set status = 'failed', next_attempt_at = null, last_error = $2, updated_at = now() where id = $1 and status = 'pending'`,
        [
          task.delivery_id,
          `not attempted: webhook ${reason === 'deleted' ? 'deleted' : 'disabled'}`,
        ],
      ),
    );
  }

  private async dead(a: FinishedAttempt): Promise<void> {
    const { task, result, webhook, message } = a;
    const { publisher, topics, metrics, eventStore, disableAfter } = this.deps;
    const lastError = errorText(result);
    // In this order: the dead letter first (a crash before the disable repeats the attempt and
    // dead-letters again, harmlessly, rather than dropping the task of a now disabled webhook with
    // no dead letter), then the disable, then the delivery's `failed` — so whoever sees the
    // delivery failed (the API, an operator about to re-enable and replay) sees the disable too.
    await publisher.send(topics.deliveriesDlq, {
      key: task.webhook_id,
      value: JSON.stringify({ ...task, last_error: lastError }),
      headers: {
        ...traceHeaders(message.headers),
        [KafkaHeaders.lastError]: lastError.slice(0, 1000),
        [KafkaHeaders.dlqReason]: 'retries_exhausted',
        [KafkaHeaders.dlqSourceTopic]: message.topic,
        [KafkaHeaders.dlqFailedAt]: new Date().toISOString(),
        [KafkaHeaders.eventType]: task.event.event,
      },
    });
    metrics.deadLettered.inc();
    // The disable itself is an event-store change: the registry's outbox relay publishes it, in the
    // same order as the changelog, as `webhook.disabled` on hookline.operational (publishing it here
    // too would announce every disable twice).
    const disabled = await persistently(() =>
      eventStore.recordDeliveryOutcome(webhook.id, false, disableAfter, DISPATCHER_ACTOR),
    ).catch(ignoreDeleted);
    if (disabled) {
      metrics.webhooksDisabled.inc({ reason: 'failed_deliveries' });
      this.deps.log.warn(
        { webhookId: webhook.id, deliveryId: task.delivery_id },
        'webhook disabled by the disable rule',
      );
    }
    await this.record(a, 'failed', null);
    await this.publishOperational(
      this.operational('delivery.dead', webhook.projectId, {
        webhook_id: webhook.id,
        delivery_id: task.delivery_id,
        event_id: task.event.id,
        attempts: task.attempt,
        last_error: lastError,
      }),
    );
  }

  /** 410 Gone: disabled at once through the event store (whose relay announces `webhook.disabled`). */
  private async disableGone(webhook: DeliverableWebhook): Promise<void> {
    const reason = 'the endpoint answered 410 Gone';
    try {
      const after = await persistently(() =>
        this.deps.eventStore.disable(webhook.id, reason, DISPATCHER_ACTOR),
      );
      if (after.active || after.disabledReason !== reason || after.version <= webhook.version)
        return;
    } catch (e) {
      ignoreDeleted(e);
      return;
    }
    this.deps.metrics.webhooksDisabled.inc({ reason: 'gone' });
    this.deps.log.warn({ webhookId: webhook.id }, 'webhook disabled: 410 Gone');
  }

  private record(
    a: FinishedAttempt,
    status: 'pending' | 'succeeded' | 'failed',
    nextAttemptAt: Date | null,
  ): Promise<void> {
    const { task, result } = a;
    return this.deps.attemptLog.record({
      deliveryId: task.delivery_id,
      webhookId: task.webhook_id,
      projectId: task.event.project_id,
      event: task.event,
      attempt: task.attempt,
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
      error: result.error,
      startedAt: a.startedAt,
      status,
      nextAttemptAt,
    });
  }

  private operational(
    event: OperationalEvent['event'],
    projectId: string,
    data: Record<string, unknown>,
  ): OperationalEvent {
    return OperationalEventSchema.parse({
      id: newId('event'),
      project_id: projectId,
      event,
      occurred_at: new Date().toISOString(),
      data,
    });
  }

  private publishOperational(event: OperationalEvent): Promise<void> {
    return this.deps.publisher.send(this.deps.topics.operational, {
      key: event.project_id,
      value: JSON.stringify(event),
    });
  }
}

function ignoreDeleted(e: unknown): false {
  if (e instanceof WebhookNotFoundError) return false;
  throw e;
}
