import { KafkaHeaders } from '../headers';
import { deliveryId, newId } from '../ids';
import { clipText } from '../text/portable-text';
import type { EventEnvelope } from '../envelope/event-envelope';
import { isEventChecked } from './checked-events';
import { encodeDeliveryTask } from './codec';
import { deliveryTaskKey } from './key';
import { taskWith } from './shape';
import { DeliveryTaskSchema, type DeliveryTask } from './value';

/**
 * A delivery task ready for Kafka: key, serialised value and headers. Kafka-agnostic (no kafkajs
 * types), so the contracts depend on nothing; a kafkajs `Message` accepts it as it is.
 */
export interface TaskMessage {
  key: string;
  value: string;
  headers: Record<string, string>;
}

/** Why a task went to `hookline.deliveries.dlq` (the `hookline-dlq-reason` header). */
export type DeadLetterReason =
  /** The retry schedule is used up. */
  | 'retries_exhausted'
  /** The task cannot succeed whatever the endpoint does (e.g. its secret no longer opens). */
  | 'permanent_error'
  /** The message on a task topic is not a valid task. */
  | 'invalid_task'
  /** The task's next message (a retry, a hold, its dead letter) is more than its topic takes. */
  | 'too_large'
  /**
   * The task was due later than any delivery may wait (past the delivery log's retention): no
   * wait the lifecycle decides is that long, so something else wrote it to its tier.
   */
  | 'due_too_late';

/** Why a task was held without an attempt (the `hookline-held-for` header of its holds). */
export type HoldReason = 'throttled' | 'circuit_open' | 'endpoint_busy';

const MAX_ERROR = 2000;
const MAX_ERROR_HEADER = 1000;

/** Trace headers carried from the message that caused this one (absent ones are left out). */
export type TraceHeaders = Partial<Record<'traceparent' | 'tracestate', string>>;

/** The head of a first attempt, without the event: the fan-out checks the event once per event. */
const FirstAttemptHead = DeliveryTaskSchema.pick({ delivery_id: true, webhook_id: true });

/** Every field of a task but its event, which it leaves out rather than refuses. */
const TaskHeadSchema = DeliveryTaskSchema.omit({ event: true }).strip();

/**
 * The task checked and serialised. A task read by the codec keeps the event it was read with,
 * already checked (see checked-events.ts): only the other fields are checked again.
 */
function message(task: DeliveryTask, headers: Record<string, string>): TaskMessage {
  const value = isEventChecked(task.event)
    ? encodeDeliveryTask(TaskHeadSchema.parse(task), JSON.stringify(task.event))
    : JSON.stringify(DeliveryTaskSchema.parse(task));
  return {
    key: deliveryTaskKey(task.webhook_id),
    value,
    headers: { ...headers, [KafkaHeaders.eventType]: task.event.event },
  };
}

function withTrace(trace: TraceHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (trace?.traceparent) out[KafkaHeaders.traceparent] = trace.traceparent;
  if (trace?.tracestate) out[KafkaHeaders.tracestate] = trace.tracestate;
  return out;
}

/**
 * Every kind of delivery task is built here, and only here: one key rule (the webhook id), one
 * schema check when built (and `decodeDeliveryTask` when read), one set of headers per kind.
 */
export const DeliveryTasks = {
  /**
   * The first attempt of an event for each matching webhook. The envelope is serialised once and
   * shared by every task (one event may match thousands of webhooks); the caller has validated it
   * against EventEnvelopeSchema, each task's ids are checked here.
   */
  firstAttempts(
    event: EventEnvelope,
    webhookIds: readonly string[],
    trace?: TraceHeaders,
    createdAt?: Date,
  ): TaskMessage[] {
    const eventJson = JSON.stringify(event);
    const created_at = createdAt?.toISOString();
    const shared = { ...withTrace(trace), [KafkaHeaders.eventType]: event.event };
    return webhookIds.map((webhookId) => {
      const head = FirstAttemptHead.parse({
        delivery_id: deliveryId(event.id, webhookId),
        webhook_id: webhookId,
      });
      return {
        key: deliveryTaskKey(webhookId),
        value: encodeDeliveryTask({ ...head, attempt: 1, created_at }, eventJson),
        headers: shared,
      };
    });
  },

  /**
   * The next automatic attempt, for the retry tier the lifecycle chose: due at `notBefore` (ms,
   * in the value), held by the tier's consumer until `wakeAt` (ms, the header; default notBefore).
   */
  retry(
    task: DeliveryTask,
    next: { attempt: number; notBefore: number; wakeAt?: number; lastError: string },
    trace?: TraceHeaders,
  ): TaskMessage {
    return message(
      taskWith(task, {
        attempt: next.attempt,
        not_before: new Date(next.notBefore).toISOString(),
        last_error: clipText(next.lastError, MAX_ERROR),
        throttle_slot: undefined,
      }),
      {
        ...withTrace(trace),
        [KafkaHeaders.notBefore]: String(next.wakeAt ?? next.notBefore),
        [KafkaHeaders.due]: String(next.notBefore),
      },
    );
  },

  /** The same task back on its tier, woken again at `wakeAt` (ms): a long wait served in hops. */
  repark(task: DeliveryTask, wakeAt: number, trace?: TraceHeaders): TaskMessage {
    const due = task.not_before ? Date.parse(task.not_before) : NaN;
    return message(task, {
      ...withTrace(trace),
      [KafkaHeaders.notBefore]: String(wakeAt),
      ...(Number.isNaN(due) ? {} : { [KafkaHeaders.due]: String(due) }),
    });
  },

  /**
   * A hop of a task that carries its due time (the `hookline-due` header): the message as it
   * came, woken again at `wakeAt` (ms). Its value is neither read nor written again, so a hop
   * costs a fetch and a produce, not a decode, a schema check and an encode; a task held through
   * an outage hops several times (see circuitHoldUntil).
   */
  rehop<H>(
    original: { key: string | null; value: Buffer | null; headers: Readonly<Record<string, H>> },
    wakeAt: number,
  ): { key: string | null; value: Buffer | null; headers: Record<string, H | string> } {
    return {
      key: original.key,
      value: original.value,
      headers: { ...original.headers, [KafkaHeaders.notBefore]: String(wakeAt) },
    };
  },

  /**
   * A hold of a task its endpoint held before (`hookline-held-for: circuit_open`, or
   * `endpoint_busy`: turned away by its backlog), held again for the endpoint's open circuit: the
   * message as it came, due at `notBefore` and woken at `wakeAt` (ms), as a hop is, and marked
   * `circuit_open`. Only the headers say when it falls due; its value keeps the `not_before` of its
   * first hold, already past, which the consumer reads as due once the header lets the task
   * through. Nothing else a hold writes changes on a circuit's hold: the attempt and its last error
   * stay, and the first hold cleared any throttle slot (a manual task is never held for its
   * endpoint).
   */
  rehold<H>(
    original: { key: string | null; value: Buffer | null; headers: Readonly<Record<string, H>> },
    held: { notBefore: number; wakeAt: number },
  ): { key: string | null; value: Buffer | null; headers: Record<string, H | string> } {
    const hop = DeliveryTasks.rehop(original, held.wakeAt);
    hop.headers[KafkaHeaders.due] = String(held.notBefore);
    hop.headers[KafkaHeaders.heldFor] = 'circuit_open' satisfies HoldReason;
    return hop;
  },

  /**
   * The same attempt held back without being made (its webhook's throttle, its endpoint's open
   * circuit), for a retry tier: due at `notBefore` (ms), woken at `wakeAt` (ms), and why in a
   * header. A throttle's hold marks `notBefore` as the task's reserved send slot.
   */
  hold(
    task: DeliveryTask,
    held: { notBefore: number; wakeAt: number; throttleSlot: boolean; reason: HoldReason },
    trace?: TraceHeaders,
  ): TaskMessage {
    return message(
      taskWith(task, {
        attempt: task.attempt,
        not_before: new Date(held.notBefore).toISOString(),
        last_error: task.last_error,
        throttle_slot: held.throttleSlot ? true : undefined,
      }),
      {
        ...withTrace(trace),
        [KafkaHeaders.notBefore]: String(held.wakeAt),
        [KafkaHeaders.due]: String(held.notBefore),
        [KafkaHeaders.heldFor]: held.reason,
      },
    );
  },

  /** A task that will not be attempted again, for `hookline.deliveries.dlq`. */
  deadLetter(
    task: DeliveryTask,
    dead: { reason: DeadLetterReason; lastError: string; sourceTopic: string; at: Date },
    trace?: TraceHeaders,
  ): TaskMessage {
    const lastError = clipText(dead.lastError, MAX_ERROR);
    return message(
      taskWith(task, {
        attempt: task.attempt,
        not_before: task.not_before,
        last_error: lastError,
        throttle_slot: task.throttle_slot,
      }),
      {
        ...withTrace(trace),
        [KafkaHeaders.lastError]: clipText(lastError, MAX_ERROR_HEADER),
        [KafkaHeaders.dlqReason]: dead.reason,
        [KafkaHeaders.dlqSourceTopic]: dead.sourceTopic,
        [KafkaHeaders.dlqFailedAt]: dead.at.toISOString(),
      },
    );
  },

  /**
   * A message of a task topic for `hookline.deliveries.dlq` as it came (its bytes untouched), with
   * why (`reason`, `error`) and whence: an unreadable one, or a task whose next message its topic
   * refused as too large (the task as read fits a topic; it can be replayed from there).
   */
  asItCame(
    original: { key: string | null; value: Buffer | string | null },
    dead: {
      reason: DeadLetterReason;
      error: string;
      sourceTopic: string;
      partition: number;
      offset: string;
      at: Date;
    },
  ): { key: string | null; value: Buffer | string | null; headers: Record<string, string> } {
    return {
      key: original.key,
      value: original.value,
      headers: {
        [KafkaHeaders.lastError]: clipText(dead.error, MAX_ERROR_HEADER),
        [KafkaHeaders.dlqReason]: dead.reason,
        [KafkaHeaders.dlqSourceTopic]: dead.sourceTopic,
        [KafkaHeaders.dlqSourcePartition]: String(dead.partition),
        [KafkaHeaders.dlqSourceOffset]: dead.offset,
        [KafkaHeaders.dlqFailedAt]: dead.at.toISOString(),
      },
    };
  },

  /**
   * A dead letter started over: the same delivery id (receivers deduplicate on it, the log row
   * continues) at attempt 1 of a new chain, so the whole retry schedule applies again and its
   * status may replace the old chain's `failed`; not manual, since manual attempts are never
   * retried. Fields are listed, not spread, so a field added to the task later
   * is not carried into a new chain unexamined.
   */
  replay(task: DeliveryTask, trace?: TraceHeaders, now = Date.now()): TaskMessage {
    const { delivery_id, webhook_id, created_at, event } = task;
    return message(
      { delivery_id, webhook_id, attempt: 1, chain: now, created_at, event },
      withTrace(trace),
    );
  },

  /** A person asked for one more attempt of a logged delivery, now; never retried. */
  redeliver(
    delivery: { id: string; webhookId: string; event: EventEnvelope; createdAt: Date },
    attempt: number,
    trace?: TraceHeaders,
    now = Date.now(),
  ): TaskMessage {
    return message(
      {
        delivery_id: delivery.id,
        webhook_id: delivery.webhookId,
        attempt,
        manual: true,
        chain: now,
        created_at: delivery.createdAt.toISOString(),
        event: delivery.event,
      },
      withTrace(trace),
    );
  },

  /** `webhook.ping` to one webhook, now; never retried. */
  testPing(
    projectId: string,
    webhookId: string,
    trace?: TraceHeaders,
    now = new Date(),
  ): { task: DeliveryTask; message: TaskMessage } {
    const event: EventEnvelope = {
      id: newId('event'),
      project_id: projectId,
      event: 'webhook.ping',
      occurred_at: now.toISOString(),
      data: { message: 'A test event from Hookline.' },
    };
    const task: DeliveryTask = {
      delivery_id: deliveryId(event.id, webhookId),
      webhook_id: webhookId,
      attempt: 1,
      manual: true,
      created_at: now.toISOString(),
      event,
    };
    return { task, message: message(task, withTrace(trace)) };
  },
} as const;
