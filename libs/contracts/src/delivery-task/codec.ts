import { markEventChecked } from './checked-events';
import { oneShape } from './shape';
import { DeliveryTaskSchema, type DeliveryTask } from './value';

/**
 * Serialises a task. With `eventJson` (the envelope already serialised once) a fan-out of one
 * event to N webhooks stringifies the event once instead of N times.
 */
export function encodeDeliveryTask(task: Omit<DeliveryTask, 'event'>, eventJson: string): string {
  const head = JSON.stringify(task);
  return `${head.slice(0, -1)}${head.length > 2 ? ',' : ''}"event":${eventJson}}`;
}

/**
 * Parses and validates a task read from Kafka; throws a ZodError or SyntaxError when bad. Every
 * task comes out in one shape, whatever fields it carries (see taskWith).
 */
export function decodeDeliveryTask(value: Buffer | string): DeliveryTask {
  const task = oneShape(DeliveryTaskSchema.parse(JSON.parse(value.toString())));
  markEventChecked(task.event);
  return task;
}
