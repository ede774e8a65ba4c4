import type { Kafka } from 'kafkajs';
import type { ConsumedMessage, HandlerContext } from '@hookline/kafka';
import { topicNames } from '@hookline/contracts';
import type { Logger } from '@hookline/telemetry';
import type { DeliveryService } from './delivery.service';
import type { DispatcherMetrics } from './dispatcher.metrics';
import { TASK_WEIGHT_BYTES, runnerOptions, type ConsumerSettings } from './dispatch.consumer';

const settings = (sessionTimeoutMs: number): ConsumerSettings => ({
  kafka: {} as Kafka,
  topics: topicNames(''),
  topicPrefix: '',
  service: { handle: async () => undefined } as unknown as DeliveryService,
  maxPendingPerPartition: 250,
  maxPendingTotal: 2000,
  commitIntervalMs: 200,
  drainTimeoutMs: 5000,
  sessionTimeoutMs,
  log: {} as Logger,
  metrics: {} as DispatcherMetrics,
  tiers: { schedule: [10_000, 60_000], jitter: 0.2 },
});

describe("the dispatcher's consumers", () => {
  it("should hold their partitions for the configured session timeout, not kafkajs's 30 s (a killed dispatcher's work moves on after it)", () => {
    for (const name of ['deliveries', 'retry']) {
      expect(runnerOptions(settings(6000), name).sessionTimeoutMs).toBe(6000);
      expect(runnerOptions(settings(45_000), name).sessionTimeoutMs).toBe(45_000);
    }
  });

  it('should count a task toward the pending limits by its size: a tenant of large events cannot fill memory', () => {
    // The limits are in units of a typical task: 2,000 tasks of 256 KiB would be half a GB held.
    const { handle } = runnerOptions(settings(6000), 'deliveries');
    const weightOf = (bytes: number) => {
      let weight = 1;
      const message = { value: Buffer.alloc(bytes) } as ConsumedMessage;
      void handle(message, { setWeight: (w: number) => (weight = w) } as unknown as HandlerContext);
      return weight;
    };
    expect(weightOf(0)).toBe(1);
    expect(weightOf(TASK_WEIGHT_BYTES)).toBe(1);
    expect(weightOf(TASK_WEIGHT_BYTES + 1)).toBe(2);
    expect(weightOf(256 * 1024)).toBe((256 * 1024) / TASK_WEIGHT_BYTES);
  });
});
