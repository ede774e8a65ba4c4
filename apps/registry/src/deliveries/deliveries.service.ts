import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DeliveryTasks, type EventEnvelope } from '@hookline/contracts';
import type { HooklineConfig } from '@hookline/config';
import {
  DeliveryLogRepository,
  InvalidCursorError,
  toAttemptResource,
  toDeliveryResource,
  type DeliveryWithEvent,
} from '@hookline/persistence';
import type { CallerKey } from '../auth/current-key.decorator';
import { ApiError } from '../common/api-error';
import { CONFIG } from '../infra/tokens';
import { DeliveryTaskPublisher } from './delivery-task.publisher';
import type {
  DeliveryWithAttemptsResponse,
  ListDeliveriesQuery,
  TestResponse,
} from './delivery.dto';

/** How often a test ping's attempt is looked for while the caller waits. */
const TEST_POLL_MS = 100;

/**
 * The delivery log (written by the dispatcher) and the manual attempts a person asks for. Manual
 * attempts are tasks on `hookline.deliveries` with `manual: true`: the dispatcher makes them like
 * any other (URL policy, signature, log), and does not retry them.
 */
@Injectable()
export class DeliveriesService {
  private readonly deliveryLog: DeliveryLogRepository;

  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: DeliveryTaskPublisher,
    @Inject(CONFIG) private readonly config: HooklineConfig,
  ) {
    this.deliveryLog = new DeliveryLogRepository(dataSource);
  }

  /**
   * A webhook's deliveries, or the project's (webhookId null), newest first; keyset pagination on
   * (created_at, id), so pages stay stable while rows arrive.
   */
  async list(caller: CallerKey, webhookId: string | null, q: ListDeliveriesQuery) {
    if (webhookId !== null) await this.webhookOf(caller, webhookId);
    try {
      const page = await this.deliveryLog.list(caller.projectId, webhookId, q);
      return { data: page.rows.map(toDeliveryResource), next_cursor: page.nextCursor };
    } catch (e) {
      if (e instanceof InvalidCursorError)
        throw ApiError.badRequest('invalid query: cursor', [
          { field: 'cursor', message: e.message },
        ]);
      throw e;
    }
  }

  async get(caller: CallerKey, id: string): Promise<DeliveryWithAttemptsResponse> {
    const delivery = await this.deliveryOf(caller, id);
    const attempts = await this.deliveryLog.attempts(id, delivery.createdAt);
    return {
      ...toDeliveryResource(delivery),
      attempts_log: attempts.map(toAttemptResource),
      event: delivery.event,
    };
  }

  /** A new attempt of the same delivery (same `webhook-id`), now, whatever the delivery's state. */
  async redeliver(caller: CallerKey, id: string) {
    const delivery = await this.deliveryOf(caller, id);
    await this.deliverableWebhook(caller, delivery.webhookId, true);
    const attempt = delivery.attempts + 1;
    await this.publisher.publish(
      DeliveryTasks.redeliver(
        {
          id: delivery.id,
          webhookId: delivery.webhookId,
          event: delivery.event as EventEnvelope,
          createdAt: delivery.createdAt,
        },
        attempt,
      ),
    );
    return { delivery_id: delivery.id, attempt, status: 'queued' as const };
  }

  /**
   * Sends `webhook.ping` and waits for its attempt to be logged, up to the delivery timeout plus
   * a margin for the trip through Kafka; past that the answer is `pending` with the delivery id.
   */
  async test(caller: CallerKey, webhookId: string): Promise<TestResponse> {
    await this.deliverableWebhook(caller, webhookId);
    const { task, message } = DeliveryTasks.testPing(caller.projectId, webhookId);
    await this.publisher.publish(message);
    const deadline = Date.now() + this.config.HOOKLINE_DELIVERY_TIMEOUT + 10_000;
    const base = { delivery_id: task.delivery_id, event_id: task.event.id };
    while (Date.now() < deadline) {
      const done = await this.deliveryLog.firstAttempt(
        task.delivery_id,
        new Date(task.created_at!),
      );
      if (done) {
        return {
          ...base,
          status: done.status,
          response_status: done.attempt.responseStatus,
          response_body: done.attempt.responseBody,
          duration_ms: done.attempt.durationMs,
          error_class: done.attempt.errorClass,
          error: done.attempt.error,
        };
      }
      await new Promise((r) => setTimeout(r, TEST_POLL_MS));
    }
    return {
      ...base,
      status: 'pending',
      response_status: null,
      response_body: null,
      duration_ms: null,
      error_class: null,
      error: null,
    };
  }

  private async webhookOf(caller: CallerKey, webhookId: string): Promise<{ active: boolean }> {
    const [row]: { active: boolean }[] = await this.dataSource.query(
      'select active from webhooks where id = $1 and project_id = $2',
      [webhookId, caller.projectId],
    );
    if (!row) throw ApiError.notFound('webhook');
    return row;
  }

  /**
   * The dispatcher drops tasks of disabled or deleted webhooks: refuse them here, with the reason.
   * The webhook of a logged delivery may have been deleted since (409, the delivery still exists).
   */
  private async deliverableWebhook(
    caller: CallerKey,
    webhookId: string,
    ofDelivery = false,
  ): Promise<void> {
    const row = await this.webhookOf(caller, webhookId).catch((e: unknown) => {
      if (ofDelivery && e instanceof ApiError)
        throw ApiError.conflict(`webhook ${webhookId} was deleted`);
      throw e;
    });
    if (!row.active)
      throw ApiError.conflict(
        `webhook ${webhookId} is disabled; enable it with PATCH {"active": true} first`,
      );
  }

  private async deliveryOf(caller: CallerKey, id: string): Promise<DeliveryWithEvent> {
    const row = await this.deliveryLog.find(caller.projectId, id);
    if (!row) throw ApiError.notFound('delivery');
    return row;
  }
}
