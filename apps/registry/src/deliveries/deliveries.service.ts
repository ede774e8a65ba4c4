import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { deliveryId, newId, type DeliveryTask, type EventEnvelope } from '@hookline/contracts';
import type { HooklineConfig } from '@hookline/config';
import type { CallerKey } from '../auth/current-key.decorator';
import { ApiError } from '../common/api-error';
import { CONFIG } from '../infra/tokens';
import { DeliveryTaskPublisher } from './delivery-task.publisher';
import type {
  AttemptResponse,
  DeliveryResponse,
  DeliveryWithAttemptsResponse,
  ListDeliveriesQuery,
  TestResponse,
} from './delivery.dto';

interface DeliveryRow {
  id: string;
  webhook_id: string;
  event_id: string;
  event_type: string;
  status: DeliveryResponse['status'];
  attempts: number;
  next_attempt_at: Date | null;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
  /** created_at in microseconds since the epoch: exact, unlike a JS Date, for the cursor. */
  created_us: string;
}

interface AttemptRow {
  attempt: number;
  trigger: AttemptResponse['trigger'];
  url: string;
  request_headers: Record<string, string>;
  response_status: number | null;
  response_body: string | null;
  duration_ms: number;
  error_class: string | null;
  error: string | null;
  started_at: Date;
}

const DELIVERY_COLUMNS = `d.id, d.webhook_id, d.event_id, d.event_type, d.status, d.attempts, d.next_attempt_at, d.last_error,
  d.created_at, d.updated_at, (extract(epoch from d.created_at) * 1000000)::bigint::text as created_us`;
const ATTEMPT_COLUMNS =
  'attempt, trigger, url, request_headers, response_status, response_body, duration_ms, error_class, error, started_at';

/** How often a test ping's attempt is looked for while the caller waits. */
const TEST_POLL_MS = 100;

/**
 * The delivery log (written by the dispatcher) and the manual attempts a person asks for. Manual
 * attempts are tasks on `hookline.deliveries` with `manual: true`: the dispatcher makes them like
 * any other (URL policy, signature, log), and does not retry them.
 */
@Injectable()
export class DeliveriesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: DeliveryTaskPublisher,
    @Inject(CONFIG) private readonly config: HooklineConfig,
  ) {}

  /** Newest first; keyset pagination on (created_at, id), so pages stay stable while rows arrive. */
  async list(caller: CallerKey, webhookId: string, q: ListDeliveriesQuery) {
    await this.webhookOf(caller, webhookId);
    const where = ['d.webhook_id = $1', 'd.project_id = $2'];
    const params: unknown[] = [webhookId, caller.projectId];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (q.status) add('d.status = ?', q.status);
    if (q.event) add(q.event.startsWith('evt_') ? 'd.event_id = ?' : 'd.event_type = ?', q.event);
    if (q.since) add('d.created_at >= ?', q.since);
    if (q.until) add('d.created_at < ?', q.until);
    if (q.cursor) {
      const [us, id] = decodeCursor(q.cursor);
      params.push(us, id);
      where.push(
        `(d.created_at, d.id) < (timestamptz 'epoch' + $${params.length - 1}::bigint * interval '1 microsecond', $${params.length})`,
      );
    }
    params.push(q.limit + 1);
    const rows: DeliveryRow[] = await this.dataSource.query(
      `select ${DELIVERY_COLUMNS} from deliveries d where ${where.join(' and ')} order by d.created_at desc, d.id desc limit $${params.length}`,
      params,
    );
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      data: page.map(presentDelivery),
      next_cursor: rows.length > q.limit && last ? encodeCursor(last) : null,
    };
  }

  async get(caller: CallerKey, id: string): Promise<DeliveryWithAttemptsResponse> {
    const delivery = await this.deliveryOf(caller, id);
    const attempts: AttemptRow[] = await this.dataSource.query(
      `select ${ATTEMPT_COLUMNS} from delivery_attempts where delivery_id = $1 order by attempt, id`,
      [id],
    );
    return {
      ...presentDelivery(delivery),
      attempts_log: attempts.map(presentAttempt),
      event: delivery.event,
    };
  }

  /** A new attempt of the same delivery (same `webhook-id`), now, whatever the delivery's state. */
  async redeliver(caller: CallerKey, id: string) {
    const delivery = await this.deliveryOf(caller, id);
    await this.deliverableWebhook(caller, delivery.webhook_id, true);
    const attempt = delivery.attempts + 1;
    await this.publisher.publish({
      delivery_id: delivery.id,
      webhook_id: delivery.webhook_id,
      attempt,
      manual: true,
      event: delivery.event as EventEnvelope,
    });
    return { delivery_id: delivery.id, attempt, status: 'queued' as const };
  }

  /**
   * Sends `webhook.ping` and waits for its attempt to be logged, up to the delivery timeout plus
   * a margin for the trip through Kafka; past that the answer is `pending` with the delivery id.
   */
  async test(caller: CallerKey, webhookId: string): Promise<TestResponse> {
    await this.deliverableWebhook(caller, webhookId);
    const event: EventEnvelope = {
      id: newId('event'),
      project_id: caller.projectId,
      event: 'webhook.ping',
      occurred_at: new Date().toISOString(),
      data: { message: 'A test event from Hookline.' },
    };
    const task: DeliveryTask = {
      delivery_id: deliveryId(event.id, webhookId),
      webhook_id: webhookId,
      attempt: 1,
      manual: true,
      event,
    };
    await this.publisher.publish(task);
    const deadline = Date.now() + this.config.HOOKLINE_DELIVERY_TIMEOUT + 10_000;
    const base = { delivery_id: task.delivery_id, event_id: event.id };
    while (Date.now() < deadline) {
      const [done]: (AttemptRow & { status: TestResponse['status'] })[] =
        await this.dataSource.query(
          `select a.response_status, a.response_body, a.duration_ms, a.error_class, a.error, d.status
           from delivery_attempts a join deliveries d on d.id = a.delivery_id where a.delivery_id = $1 limit 1`,
          [task.delivery_id],
        );
      if (done) {
        return {
          ...base,
          status: done.status,
          response_status: done.response_status,
          response_body: done.response_body,
          duration_ms: done.duration_ms,
          error_class: done.error_class,
          error: done.error,
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

  private async deliveryOf(
    caller: CallerKey,
    id: string,
  ): Promise<DeliveryRow & { event: Record<string, unknown> }> {
    const [row]: (DeliveryRow & { event: Record<string, unknown> })[] = await this.dataSource.query(
      `select ${DELIVERY_COLUMNS}, d.event from deliveries d where d.id = $1 and d.project_id = $2`,
      [id, caller.projectId],
    );
    if (!row) throw ApiError.notFound('delivery');
    return row;
  }
}

function presentDelivery(d: DeliveryRow): DeliveryResponse {
  return {
    id: d.id,
    webhook_id: d.webhook_id,
    event_id: d.event_id,
    event_type: d.event_type,
    status: d.status,
    attempts: d.attempts,
    next_attempt_at: d.next_attempt_at?.toISOString() ?? null,
    last_error: d.last_error,
    created_at: d.created_at.toISOString(),
    updated_at: d.updated_at.toISOString(),
  };
}

function presentAttempt(a: AttemptRow): AttemptResponse {
  return {
    attempt: a.attempt,
    trigger: a.trigger,
    url: a.url,
    request_headers: a.request_headers,
    response_status: a.response_status,
    response_body: a.response_body,
    duration_ms: a.duration_ms,
    error_class: a.error_class,
    error: a.error,
    started_at: a.started_at.toISOString(),
  };
}

function encodeCursor(d: DeliveryRow): string {
  return Buffer.from(`${d.created_us}|${d.id}`).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  const [us, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  if (!us || !/^\d{1,19}$/.test(us) || !id?.startsWith('msg_')) {
    throw ApiError.badRequest('invalid query: cursor', [
      { field: 'cursor', message: 'must be a next_cursor from a previous page' },
    ]);
  }
  return [us, id];
}
