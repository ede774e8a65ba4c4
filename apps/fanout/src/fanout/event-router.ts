import { ROOT_CONTEXT, SpanKind, trace, type Span } from '@opentelemetry/api';
import type { KafkaMessage, Message } from 'kafkajs';
import { ZodError } from 'zod';
import {
  DeliveryTasks,
  EventEnvelopeSchema,
  EventTypeCatalog,
  KafkaHeaders,
  OperationalEventSchema,
  clipText,
  deliverableOverHttp,
  type EventEnvelope,
} from '@hookline/contracts';
import { currentTraceHeaders, extractTraceContext } from '@hookline/kafka';
import { tracer } from '@hookline/telemetry';
import type { EventOutcome } from './fanout.metrics';
import type { OutgoingMessage } from '@hookline/kafka';
import type { SubscriptionIndex } from './subscription-index';

export interface RouterTopics {
  /** The topic the router reads: hookline.events, or hookline.operational for platform events. */
  events: string;
  deliveries: string;
  eventsDlq: string;
}

export interface RoutedEvent {
  outcome: EventOutcome;
  /** One delivery task per matching webhook, keyed by webhook id; or the dead letter of a poison message. */
  messages: OutgoingMessage[];
  /** Approximate size of the messages, to bound what waits for acknowledgement. */
  bytes: number;
  envelope?: EventEnvelope;
  /** Why a poison message was dead-lettered. */
  reason?: string;
  /** The fan-out span of a valid event; the caller ends it once the tasks are acknowledged. */
  span?: Span;
}

/**
 * What a task may grow by after the fan-out: a retry's last error (2,000 characters) and its
 * headers, a dead letter's reason, source and time. An event whose tasks leave less than this
 * under the task topics' max.message.bytes is dead-lettered here, not refused by the broker on
 * its first retry, which would stop its partition of the dispatcher.
 */
export const TASK_GROWTH_BYTES = 8 * 1024;

/** Header bytes of a task (traceparent, tracestate, event type), counted once per message. */
const HEADER_BYTES = 160;
const MAX_REASON = 1000;

class PoisonMessage extends Error {}

// A record time outside these years is a producer's broken clock, not a time to file under.
const RECORD_TIME_MIN = Date.UTC(2000, 0, 1);
const RECORD_TIME_MAX = Date.UTC(10000, 0, 1) - 1;

/**
 * The time of the event's record: the birth time of its deliveries (their log partition), the
 * same whenever the record is read again. Undefined when the record has none usable (the
 * dispatcher's log then falls back to the attempt's time).
 */
function recordTime(message: KafkaMessage): Date | undefined {
  const ms = Number(message.timestamp);
  return Number.isSafeInteger(ms) && ms >= RECORD_TIME_MIN && ms <= RECORD_TIME_MAX
    ? new Date(ms)
    : undefined;
}

function poisonReason(error: unknown): string {
  if (error instanceof PoisonMessage) return error.message;
  if (error instanceof SyntaxError) return `invalid_json: ${error.message}`;
  if (error instanceof ZodError) {
    return `schema: ${error.issues.map((i) => `${i.path.join('.') || '(envelope)'}: ${i.message}`).join('; ')}`;
  }
  return `unreadable: ${String(error)}`;
}

/**
 * Who writes the topic read: `producers` (hookline.events, checked against the catalog, platform
 * types refused) or `platform` (hookline.operational: Hookline's own events, of any operational
 * kind, delivered like any event to the webhooks subscribed to their type).
 */
export type EventSource = 'producers' | 'platform';

/**
 * Turns one consumed event into its delivery tasks (one per matching webhook), or a poison message
 * into its dead letter. No I/O: the consumer decides when to send and when to commit.
 */
export class EventRouter {
  /**
   * The smallest max.message.bytes of the topics a task goes through (deliveries, retry tiers,
   * deliveries DLQ), once the service has read it from the cluster; unbounded until then.
   */
  maxTaskBytes = Number.POSITIVE_INFINITY;

  constructor(
    private readonly index: SubscriptionIndex,
    private readonly topics: RouterTopics,
    private readonly observeMatch: (seconds: number) => void = () => undefined,
    /** The current catalog: built-in types and those read from the catalog changelog. */
    private readonly catalog = new EventTypeCatalog(),
    private readonly source: EventSource = 'producers',
  ) {}

  route(message: KafkaMessage, partition: number): RoutedEvent {
    let envelope: EventEnvelope;
    try {
      envelope = this.read(message);
    } catch (e) {
      return this.poison(message, partition, poisonReason(e));
    }

    const span = tracer('hookline-fanout').startSpan(
      `fanout ${this.topics.events}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'process',
          'messaging.destination.name': this.topics.events,
          'messaging.destination.partition.id': String(partition),
          'messaging.kafka.offset': Number(message.offset),
          'hookline.event.id': envelope.id,
          'hookline.event.type': envelope.event,
          'hookline.project.id': envelope.project_id,
        },
      },
      extractTraceContext(message.headers, ROOT_CONTEXT),
    );
    const started = process.hrtime.bigint();
    const webhookIds = this.deliverable(envelope)
      ? this.index.match(envelope.project_id, envelope.event)
      : [];
    this.observeMatch(Number(process.hrtime.bigint() - started) / 1e9);
    span.setAttribute('hookline.fanout.webhooks', webhookIds.length);

    const messages: OutgoingMessage[] = [];
    let bytes = 0;
    if (webhookIds.length > 0) {
      // One headers object and one serialised envelope shared by every task of the event.
      const traceHeaders = currentTraceHeaders(trace.setSpan(ROOT_CONTEXT, span));
      const tasks = DeliveryTasks.firstAttempts(
        envelope,
        webhookIds,
        traceHeaders,
        recordTime(message),
      );
      if (this.tooLarge(tasks[0]!.value)) {
        const taskBytes = Buffer.byteLength(tasks[0]!.value);
        span.end();
        return this.poison(
          message,
          partition,
          `too_large: its delivery tasks of ${taskBytes} bytes leave less than ${TASK_GROWTH_BYTES} under the task topics' max.message.bytes (${this.maxTaskBytes})`,
        );
      }
      for (const task of tasks) {
        const size = task.value.length + task.key.length + HEADER_BYTES;
        messages.push({ topic: this.topics.deliveries, message: task, bytes: size });
        bytes += size;
      }
    }
    return {
      outcome: messages.length > 0 ? 'fanned_out' : 'unmatched',
      messages,
      bytes,
      envelope,
      span,
    };
  }

  /**
   * Whether a task leaves less than TASK_GROWTH_BYTES under maxTaskBytes. Its bytes are counted
   * only when its length could be that large (at most 3 UTF-8 bytes a UTF-16 unit), not for
   * every event on the hot path.
   */
  private tooLarge(task: string): boolean {
    const room = this.maxTaskBytes - TASK_GROWTH_BYTES;
    return task.length * 3 > room && Buffer.byteLength(task) > room;
  }

  private deliverable(envelope: EventEnvelope): boolean {
    return this.source === 'producers' || deliverableOverHttp(envelope);
  }

  private read(message: KafkaMessage): EventEnvelope {
    if (!message.value || message.value.length === 0)
      throw new PoisonMessage('empty_value: the message has no value');
    if (!message.key || message.key.length === 0) {
      throw new PoisonMessage('missing_key: events are keyed by project id');
    }
    const json: unknown = JSON.parse(message.value.toString('utf8'));
    // Platform events have their own contract and are not in the producers' catalog rules; the
    // envelope schema still refuses text the delivery log could not store.
    if (this.source === 'platform')
      return EventEnvelopeSchema.parse(OperationalEventSchema.parse(json));
    const envelope = EventEnvelopeSchema.parse(json);
    // The same catalog rules as the HTTP ingest: a raw Kafka producer may neither reach `*`
    // subscribers with a type nobody declared nor forge what only the platform emits.
    const check = this.catalog.check(envelope.event, envelope.data);
    if (check.ok) return envelope;
    if (check.reason !== 'invalid_data') {
      throw new PoisonMessage(
        check.reason === 'unknown_type'
          ? `unknown_type: ${clipText(envelope.event, 200)}`
          : `platform_type: ${envelope.event} is emitted by Hookline only`,
      );
    }
    const issues = check.issues.map((i) => `${['data', ...i.path].join('.')}: ${i.message}`);
    throw new PoisonMessage(`schema: ${issues.join('; ')}`);
  }

  /**
   * The dead letter of an event whose output the broker refused as too large: with its value
   * and headers, or, when that too is more than the DLQ takes, with neither (the source offset
   * says where to read them while the events topic keeps them).
   */
  oversized(
    message: KafkaMessage,
    partition: number,
    reason: string,
    withValue: boolean,
  ): RoutedEvent {
    return this.poison(message, partition, reason, withValue);
  }

  private poison(
    message: KafkaMessage,
    partition: number,
    reason: string,
    withValue = true,
  ): RoutedEvent {
    const deadLetter: Message = {
      key: message.key,
      value: withValue ? message.value : null,
      headers: {
        ...(withValue && message.headers),
        [KafkaHeaders.dlqReason]: clipText(reason, MAX_REASON, '…'),
        [KafkaHeaders.dlqSourceTopic]: this.topics.events,
        [KafkaHeaders.dlqSourcePartition]: String(partition),
        [KafkaHeaders.dlqSourceOffset]: message.offset,
        [KafkaHeaders.dlqFailedAt]: new Date().toISOString(),
      },
    };
    const bytes =
      (withValue ? (message.value?.length ?? 0) : 0) +
      (message.key?.length ?? 0) +
      HEADER_BYTES * 2;
    return {
      outcome: 'dead_lettered',
      messages: [{ topic: this.topics.eventsDlq, message: deadLetter, bytes }],
      bytes,
      reason,
    };
  }
}
