import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import {
  DeliveryTasks,
  KafkaHeaders,
  decodeDeliveryTask,
  type DeliveryTask,
} from '@hookline/contracts';
import { headerString, traceHeadersOf } from '@hookline/kafka';

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
 * The task that starts the delivery over (see DeliveryTasks.replay); the replayed attempts stay
 * in the producer's trace, like every retry of the first chain.
 */
export function replayMessage(entry: DlqEntry): Message {
  return DeliveryTasks.replay(entry.task, traceHeadersOf(entry.headers));
}
