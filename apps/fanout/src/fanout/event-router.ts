import type { Message } from 'kafkajs';
import { SpanKind, context, trace } from '@opentelemetry/api';
import {
  EventEnvelopeSchema,
  KafkaHeaders,
  deliveryId,
  deliveryTaskKey,
  encodeDeliveryTask,
  type EventEnvelope,
} from '@hookline/contracts';
import { extractTraceContext, injectTraceHeaders } from '@hookline/kafka';
import { tracer } from '@hookline/telemetry';
import type { KafkaMessage } from 'kafkajs';
import type { SubscriptionIndex } from './subscription-index';

export interface RoutedBatch {
  tasks: Message[];
  deadLetters: Message[];
  events: number;
  matchSeconds: number[];
}

/**
 * Turns consumed events into delivery tasks (one per matching webhook) and poison messages into
 * dead letters. Pure apart from tracing, so it is easy to test and to profile.
 */
export class EventRouter {
  constructor(
    private readonly index: SubscriptionIndex,
    private readonly sourceTopic: string,
  ) {}

  route(partition: number, messages: KafkaMessage[]): RoutedBatch {
    const out: RoutedBatch = { tasks: [], deadLetters: [], events: 0, matchSeconds: [] };
    for (const message of messages) {
      out.events++;
      let envelope: EventEnvelope;
      try {
        if (!message.value) throw new Error('empty value');
        envelope = EventEnvelopeSchema.parse(JSON.parse(message.value.toString()));
      } catch (e) {
        out.deadLetters.push(this.deadLetter(partition, message, e));
        continue;
      }
      const parent = extractTraceContext(message.headers);
      const span = tracer('hookline-fanout').startSpan(
        'fanout event',
        { kind: SpanKind.CONSUMER, attributes: { 'hookline.event_id': envelope.id, 'hookline.event_type': envelope.event } },
        parent,
      );
      const started = process.hrtime.bigint();
      const webhookIds = this.index.match(envelope.project_id, envelope.event);
      out.matchSeconds.push(Number(process.hrtime.bigint() - started) / 1e9);
      span.setAttribute('hookline.matched_webhooks', webhookIds.length);
      if (webhookIds.length > 0) {
        const headers = injectTraceHeaders({ [KafkaHeaders.eventType]: envelope.event }, trace.setSpan(context.active(), span));
        const eventJson = JSON.stringify(envelope);
        for (const webhookId of webhookIds) {
          out.tasks.push({
            key: deliveryTaskKey(webhookId),
            value: encodeDeliveryTask({ delivery_id: deliveryId(envelope.id, webhookId), webhook_id: webhookId, attempt: 1 }, eventJson),
            headers,
          });
        }
      }
      span.end();
    }
    return out;
  }

  private deadLetter(partition: number, message: KafkaMessage, error: unknown): Message {
    const reason = error instanceof Error ? (error.name === 'ZodError' ? `schema: ${error.message}` : `${error.name}: ${error.message}`) : String(error);
    return {
      key: message.key,
      value: message.value,
      headers: {
        ...message.headers,
        [KafkaHeaders.dlqReason]: reason.slice(0, 2000),
        [KafkaHeaders.dlqSourceTopic]: `${this.sourceTopic}[${partition}]@${message.offset}`,
        [KafkaHeaders.dlqFailedAt]: new Date().toISOString(),
      },
    };
  }
}
