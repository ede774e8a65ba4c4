import type { Kafka } from 'kafkajs';
import { topicNames } from '@hookline/contracts';
import type { Logger } from '@hookline/telemetry';
import type { DeliveryService } from './delivery.service';
import type { DispatcherMetrics } from './dispatcher.metrics';
import { runnerOptions, type ConsumerSettings } from './dispatch.consumer';

const settings = (sessionTimeoutMs: number): ConsumerSettings => ({
  kafka: {} as Kafka,
  topics: topicNames(''),
  topicPrefix: '',
  service: {} as DeliveryService,
  maxPendingPerPartition: 250,
  maxPendingTotal: 2000,
  commitIntervalMs: 200,
  drainTimeoutMs: 5000,
  sessionTimeoutMs,
  log: {} as Logger,
  metrics: {} as DispatcherMetrics,
});

describe("the dispatcher's consumers", () => {
  it("should hold their partitions for the configured session timeout, not kafkajs's 30 s (a killed dispatcher's work moves on after it)", () => {
    for (const name of ['deliveries', 'retry']) {
      expect(runnerOptions(settings(6000), name).sessionTimeoutMs).toBe(6000);
      expect(runnerOptions(settings(45_000), name).sessionTimeoutMs).toBe(45_000);
    }
  });
});
