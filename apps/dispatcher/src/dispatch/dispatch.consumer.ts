import type { Kafka } from 'kafkajs';
import type { Topics } from '@hookline/contracts';
import { ConsumerRunner, type ConsumerRunnerOptions } from '@hookline/kafka';
import type { Logger } from '@hookline/telemetry';
import type { LifecycleSettings } from '../lifecycle/delivery-lifecycle';
import type { DeliveryService } from './delivery.service';
import type { DispatcherMetrics } from './dispatcher.metrics';

export interface ConsumerSettings {
  kafka: Kafka;
  topics: Topics;
  topicPrefix: string;
  service: DeliveryService;
  maxPendingPerPartition: number;
  maxPendingTotal: number;
  commitIntervalMs: number;
  drainTimeoutMs: number;
  /** HOOKLINE_KAFKA_SESSION_TIMEOUT: how long a crashed dispatcher holds its partitions. */
  sessionTimeoutMs: number;
  /** Bound of the final commit and of leaving the group, each. */
  disconnectTimeoutMs?: number;
  /** Not consuming for longer than this fails /healthz. */
  unhealthyAfterMs?: number;
  log: Logger;
  metrics: DispatcherMetrics;
  /** The retry tiers' delays (HOOKLINE_RETRY_SCHEDULE) and their jitter: how long a tier holds. */
  tiers: Pick<LifecycleSettings, 'schedule' | 'jitter'>;
}

/**
 * The size of a typical task, the unit of the pending limits: a larger task counts as that many
 * (a 256 KiB event's task as 32). Counted by tasks alone, the limits would let one tenant's large
 * events hold thousands of times their size in memory while its endpoint is slow.
 */
export const TASK_WEIGHT_BYTES = 8 * 1024;

/** What the dispatcher's consumers share: limits, the handler, and their metrics by name. */
export function runnerOptions(
  s: ConsumerSettings,
  name: string,
): Omit<ConsumerRunnerOptions, 'groupId' | 'topics'> {
  return {
    name,
    kafka: s.kafka,
    handle: (message, context) => {
      context.setWeight(Math.max(1, Math.ceil((message.value?.length ?? 0) / TASK_WEIGHT_BYTES)));
      return s.service.handle(message);
    },
    maxPendingPerPartition: s.maxPendingPerPartition,
    maxPendingTotal: s.maxPendingTotal,
    commitIntervalMs: s.commitIntervalMs,
    drainTimeoutMs: s.drainTimeoutMs,
    sessionTimeoutMs: s.sessionTimeoutMs,
    disconnectTimeoutMs: s.disconnectTimeoutMs,
    unhealthyAfterMs: s.unhealthyAfterMs,
    log: s.log,
    metrics: {
      pending: (units) => s.metrics.pendingTasks.set({ consumer: name }, units),
      paused: (why, partitions) =>
        s.metrics.partitionsPaused.set({ consumer: name, why }, partitions),
      restarted: () => s.metrics.consumerRestarts.inc({ consumer: name }),
    },
  };
}

/**
 * `hookline.deliveries`: first attempts, and manual ones (redeliver, test), all due at once. Many
 * requests at once, each finishing on its own; see ConsumerRunner for the commit and pause rules.
 */
export function createDispatchConsumer(s: ConsumerSettings): ConsumerRunner {
  return new ConsumerRunner({
    ...runnerOptions(s, 'deliveries'),
    groupId: `${s.topicPrefix}hookline.dispatcher`,
    topics: [s.topics.deliveries],
    // An idle topic polled every 50 ms was half of the dispatcher's CPU at rest, and a third of
    // Kafka's. A waiting fetch is answered at once by a new task, and while a partition is paused
    // for room fetches wait the 50 ms again, so neither latency nor a burst's pace moves (see
    // docs/performance.md, "At a trickle and at rest").
    longPollMs: 500,
  });
}
