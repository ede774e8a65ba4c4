import { SpanStatusCode } from '@opentelemetry/api';
import type { Kafka } from 'kafkajs';
import {
  ConsumerRunner,
  MessageTooLargeError,
  type BatchingProducer,
  type ConsumedMessage,
  type ConsumerHealth,
  type HandlerContext,
} from '@hookline/kafka';
import type { Logger } from '@hookline/telemetry';
import type { EventRouter } from './event-router';
import type { FanoutMetrics } from './fanout.metrics';

export interface FanoutConsumerOptions {
  /** The runner's name in logs and health: `events`, `operational`. */
  name?: string;
  kafka: Kafka;
  topic: string;
  groupId: string;
  router: EventRouter;
  producer: BatchingProducer;
  metrics: FanoutMetrics;
  log: Logger;
  sessionTimeoutMs: number;
  heartbeatIntervalMs?: number;
  partitionsConsumedConcurrently: number;
  /**
   * Resolves once the subscription index holds every webhook change written before it was called
   * (ChangelogReader.sync): a webhook whose creation returned before an event was published then
   * receives that event, even if the changelog is a little behind the event.
   */
  indexFresh(): Promise<void>;
  /**
   * Bytes of tasks a partition may have waiting for acknowledgement while it routes the next
   * events; bounds memory and keeps the router and the producer busy at the same time.
   */
  maxInFlightBytes?: number;
  /** How long stop() waits for tasks in flight to be acknowledged. */
  drainTimeoutMs?: number;
  /** Bound of the final commit and of leaving the group, each. */
  disconnectTimeoutMs?: number;
  /** Not consuming for longer than this makes the consumer not live. */
  unhealthyAfterMs?: number;
  /** Reports the lag of hookline.events' partitions (one consumer per process does). */
  reportLag?: boolean;
}

/**
 * How often finished offsets are committed. A crash or a rebalance replays at most this much; the
 * replayed tasks have the same delivery ids and the dispatcher drops those of deliveries that
 * already finished. Committing after every batch instead was most of the fan-out's latency at a
 * steady trickle of events (an OffsetCommit round trip before each next fetch).
 */
const COMMIT_EVERY_MS = 1000;

/**
 * Consumes hookline.events (or hookline.operational, with its own group and router), one consumer
 * group shared by every fan-out process, on the shared ConsumerRunner. Each event is routed when read, in offset order, and its tasks (or its dead
 * letter) queued on the batching producer at once; the event counts as finished when Kafka
 * acknowledged them, and the runner commits only below finished events: a committed offset never
 * covers a task that could be lost, a crash repeats tasks (same delivery ids), never drops one.
 * The producer keeps the order of its sends, so the tasks of one webhook keep theirs. A poison
 * message is dead-lettered like any other output and never stops its partition.
 */
export class FanoutConsumer {
  private readonly runner: ConsumerRunner;
  /** Partition → high watermark of its last batch, for the lag metric. */
  private readonly highWatermarks = new Map<number, bigint>();

  constructor(private readonly options: FanoutConsumerOptions) {
    const o = options;
    // Acknowledgements come in milliseconds: half a MiB of tasks a partition keeps the producer
    // busy. More only grows the heap: at 2 MiB the tasks in flight (their records, encodings and
    // promises) were most of the fan-out's live heap at its peak, and V8 lets the old space grow
    // to four times what is live (peak RSS 371–401 MB against 311–320 at 512 KiB, the fan-out's
    // CPU and its 10,000-webhook fan-out unchanged; docs/performance.md).
    const maxInFlightBytes = o.maxInFlightBytes ?? 512 * 1024;
    this.runner = new ConsumerRunner({
      name: o.name ?? 'events',
      kafka: o.kafka,
      groupId: o.groupId,
      topics: [o.topic],
      handle: (message, context) => this.route(message, context),
      beforeBatch: async ({ partition, highWatermark }) => {
        await o.indexFresh();
        this.highWatermarks.set(partition, BigInt(highWatermark));
      },
      onAssignment: (assignment) => {
        // Partitions that moved elsewhere must not keep reporting their last lag from here.
        if (o.reportLag !== false) o.metrics.consumerLag.reset();
        o.log.info({ partitions: assignment[o.topic] }, `${o.topic} partitions assigned`);
      },
      // Weighed in bytes of tasks: an event fanned out to thousands of webhooks counts as such.
      maxPendingPerPartition: maxInFlightBytes,
      maxPendingTotal: maxInFlightBytes * o.partitionsConsumedConcurrently,
      // Acknowledgements take milliseconds: waiting for room beats pausing, which would make
      // kafkajs fetch and decompress the rest of a batch again (one batch is MBs of tasks).
      whenFull: 'wait',
      commitIntervalMs: COMMIT_EVERY_MS,
      drainTimeoutMs: o.drainTimeoutMs ?? 10_000,
      disconnectTimeoutMs: o.disconnectTimeoutMs,
      unhealthyAfterMs: o.unhealthyAfterMs,
      sessionTimeoutMs: o.sessionTimeoutMs,
      heartbeatIntervalMs: o.heartbeatIntervalMs,
      // Compressed bytes, so a batch is many events; 256 KB keeps a few thousand in memory at most.
      maxBytesPerPartition: 256 * 1024,
      // Never paused (it waits for room instead), so a long wait only saves idle polling.
      maxWaitMs: 500,
      partitionsConsumedConcurrently: o.partitionsConsumedConcurrently,
      log: o.log,
    });
  }

  /** Partitions of hookline.events this process owns since the last rebalance. */
  get assignment(): number[] {
    return [...(this.runner.assignment[this.options.topic] ?? [])];
  }

  get consuming(): boolean {
    return this.runner.consuming;
  }

  health(): ConsumerHealth {
    return this.runner.health();
  }

  start(): Promise<void> {
    return this.runner.start();
  }

  /** Stops reading, waits (bounded) for the tasks in flight, commits and leaves the group. */
  stop(): Promise<void> {
    return this.runner.stop();
  }

  /** Routes synchronously; the returned promise is the acknowledgement of the event's output. */
  private route(message: ConsumedMessage, context: HandlerContext): Promise<void> {
    const { router, producer, metrics, log } = this.options;
    const routed = router.route(context.kafkaMessage, message.partition);
    if (routed.outcome === 'dead_lettered') {
      log.warn(
        { partition: message.partition, offset: message.offset, reason: routed.reason },
        'poison event sent to the DLQ',
      );
    }
    context.setWeight(Math.max(1, routed.bytes));
    return producer.sendAll(routed.messages).then(
      () => {
        routed.span?.end();
        metrics.eventsConsumed[routed.outcome].inc();
        if (routed.outcome === 'fanned_out') metrics.tasksProduced.inc(routed.messages.length);
        const highWatermark = this.highWatermarks.get(message.partition);
        if (highWatermark !== undefined && this.options.reportLag !== false) {
          const lag = Number(highWatermark - BigInt(message.offset) - 1n);
          metrics.consumerLag.set({ partition: String(message.partition) }, Math.max(0, lag));
        }
      },
      (e: unknown) => {
        routed.span?.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error).message });
        routed.span?.end();
        if (!(e instanceof MessageTooLargeError)) throw e;
        // Refused for good: sent again it would be refused again, and hold its partition.
        const why = routed.reason ? `${routed.reason}; ` : '';
        return this.deadLetterOversized(message, context, `${why}${e.reason}`, !routed.reason);
      },
    );
  }

  /**
   * Dead-letters an event whose tasks (or dead letter) the broker refused as too large: a raw
   * producer's event near max.message.bytes makes tasks a little over it. When the dead letter
   * with the event is refused as well, it goes without the event (value and headers).
   */
  private async deadLetterOversized(
    message: ConsumedMessage,
    context: HandlerContext,
    reason: string,
    withValue: boolean,
  ): Promise<void> {
    const { router, producer, metrics, log } = this.options;
    const dead = router.oversized(context.kafkaMessage, message.partition, reason, withValue);
    log.warn(
      { partition: message.partition, offset: message.offset, reason: dead.reason },
      'event too large for its output sent to the DLQ',
    );
    try {
      await producer.sendAll(dead.messages);
    } catch (e) {
      if (!withValue || !(e instanceof MessageTooLargeError)) throw e;
      return this.deadLetterOversized(message, context, `${reason}; ${e.reason}`, false);
    }
    metrics.eventsConsumed.dead_lettered.inc();
  }
}
