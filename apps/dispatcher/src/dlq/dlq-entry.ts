import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import {
  KafkaHeaders,
  decodeDeliveryTask,
  deliveryTaskKey,
  type DeliveryTask,
} from '@hookline/contracts';
import { headerString } from '@hookline/kafka';

/** One dead letter of `hookline.deliveries.dlq`, validated. */
export interface DlqEntry {
  partition: number;
  offset: string;
  task: DeliveryTask;
  /** The `hookline-dlq-failed-at` header, else the message timestamp. */
  failedAt: Date;
  headers: IHeaders;
}

/** Which dead letters to replay; an absent field does not narrow. */
export interface DlqFilter {
  webhookIds?: readonly string[];
  /** Inclusive. */
  since?: Date;
  /** Exclusive, like the delivery log's `until`. */
  until?: Date;
}

/** The dead letter in `message`, or undefined when its value is not a valid delivery task. */
export function readDlqEntry(partition: number, message: KafkaMessage): DlqEntry | undefined {
  let task: DeliveryTask;
  try {
    task = decodeDeliveryTask(message.value ?? '');
  } catch {
    return undefined;
  }
  // Dead letters written before the header existed, or by hand, still have a broker timestamp.
  const header = Date.parse(headerString(message.headers, KafkaHeaders.dlqFailedAt) ?? '');
  const failedAt = new Date(Number.isNaN(header) ? Number(message.timestamp) : header);
  return { partition, offset: message.offset, task, failedAt, headers: message.headers ?? {} };
}

export function selects(filter: DlqFilter, entry: DlqEntry): boolean {
  if (filter.webhookIds?.length && !filter.webhookIds.includes(entry.task.webhook_id)) return false;
  const at = entry.failedAt.getTime();
  if (filter.since && at < filter.since.getTime()) return false;
  if (filter.until && at >= filter.until.getTime()) return false;
  return true;
}

/**
 * The task that starts the delivery over: the same delivery id, so receivers see the same
 * `webhook-id` and the delivery log row continues (its attempt count keeps adding up), at attempt
 * 1 so the delivery policy walks the whole retry schedule again instead of dead-lettering after
 * one failure. Not `manual`: manual attempts are never retried. `not_before` and `last_error`
 * belong to the old chain. Fields are listed, not spread, so a field added to the task later is
 * not carried into a new chain unexamined.
 */
export function replayMessage(entry: DlqEntry): Message {
  const { delivery_id, webhook_id, event } = entry.task;
  const task: DeliveryTask = { delivery_id, webhook_id, attempt: 1, event };
  const headers: Record<string, string> = { [KafkaHeaders.eventType]: event.event };
  // The replayed attempts stay in the producer's trace, like every retry of the first chain.
  for (const name of [KafkaHeaders.traceparent, KafkaHeaders.tracestate]) {
    const value = headerString(entry.headers, name);
    if (value) headers[name] = value;
  }
  return { key: deliveryTaskKey(webhook_id), value: JSON.stringify(task), headers };
}
