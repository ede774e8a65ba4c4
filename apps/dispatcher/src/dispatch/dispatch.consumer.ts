import type { Kafka } from 'kafkajs';
import type { Topics } from '@hookline/contracts';
import type { Logger } from '@hookline/telemetry';
import type { DeliveryService } from './delivery.service';
import type { DispatcherMetrics } from './dispatcher.metrics';
import { InflightConsumer } from './inflight-consumer';

export interface ConsumerSettings {
  kafka: Kafka;
  topics: Topics;
  topicPrefix: string;
  service: DeliveryService;
  maxPendingPerPartition: number;
  maxPendingTotal: number;
  commitIntervalMs: number;
  drainTimeoutMs: number;
  log: Logger;
  metrics: DispatcherMetrics;
}

/**
 * `hookline.deliveries`: first attempts, and manual ones (redeliver, test), all due at once. Many
 * requests at once, each finishing on its own; see InflightConsumer for the commit and pause rules.
 */
export function createDispatchConsumer(s: ConsumerSettings): InflightConsumer {
  return new InflightConsumer({
    name: 'deliveries',
    kafka: s.kafka,
    groupId: `${s.topicPrefix}hookline.dispatcher`,
    topics: [s.topics.deliveries],
    handle: (message) => s.service.handle(message),
    maxPendingPerPartition: s.maxPendingPerPartition,
    maxPendingTotal: s.maxPendingTotal,
    commitIntervalMs: s.commitIntervalMs,
    drainTimeoutMs: s.drainTimeoutMs,
    log: s.log,
    metrics: s.metrics,
  });
}
