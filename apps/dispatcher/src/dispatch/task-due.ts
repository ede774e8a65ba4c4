import type { KafkaMessage } from 'kafkajs';
import { KafkaHeaders } from '@hookline/contracts';
import { headerString } from '@hookline/kafka';

/**
 * When a task message falls due: the `hookline-not-before` header (ms since epoch) read without
 * parsing the task, else the task's own `not_before`; undefined when it has neither.
 */
export function taskDueAt(message: KafkaMessage): number | undefined {
  const header = headerString(message.headers, KafkaHeaders.notBefore);
  if (header !== undefined && /^\d+$/.test(header)) return Number(header);
  const text = message.value?.toString();
  if (!text || !text.includes('"not_before"')) return undefined;
  try {
    const notBefore = (JSON.parse(text) as { not_before?: unknown }).not_before;
    const ms = typeof notBefore === 'string' ? Date.parse(notBefore) : NaN;
    return Number.isNaN(ms) ? undefined : ms;
  } catch {
    return undefined; // the handler reports the bad task
  }
}
