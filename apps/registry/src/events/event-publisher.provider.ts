import type { FactoryProvider } from '@nestjs/common';
import type { HooklineConfig } from '@hookline/config';
import { createEventPublisher, type EventPublisher } from '@hookline/producer';
import { CONFIG } from '../infra/tokens';

export const EVENT_PUBLISHER = Symbol('EventPublisher');

/**
 * The ingest's publisher. Short bounds: an HTTP caller waits for the ack, and an unreachable Kafka
 * must answer 503 in seconds, not hang the request.
 */
export const eventPublisherProvider: FactoryProvider<EventPublisher> = {
  provide: EVENT_PUBLISHER,
  inject: [CONFIG],
  useFactory: (config: HooklineConfig) =>
    createEventPublisher({
      brokers: config.KAFKA_BROKERS,
      security: config.kafkaSecurity,
      clientId: 'hookline-registry-ingest',
      topicPrefix: config.HOOKLINE_TOPIC_PREFIX,
      connectTimeoutMs: 3000,
      sendTimeoutMs: 5000,
    }),
};
