import { SpanStatusCode } from '@opentelemetry/api';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from '@hookline/telemetry';
import type { EventRouter, RoutedEvent } from './event-router';
import type { FanoutMetrics } from './fanout.metrics';
import type { FanoutProducer } from './fanout.producer';

export interface FanoutConsumerOptions {
  kafka: Kafka;
  topic: string;
  groupId: string;
  router: EventRouter;
  producer: FanoutProducer;
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
}

interface InFlight {
  offset: string;
  routed: RoutedEvent;
  acknowledged: Promise<void>;
}

/**
 * How often resolved offsets are committed, by a timer. Not after every batch, which is what
 * kafkajs does with autoCommit (unconditionally, whatever autoCommitInterval says): that is an
 * OffsetCommit round trip to the group coordinator before each next fetch, and was most of the
 * fan-out's latency at a steady trickle of events (p50 ~30 ms of ~40). A crash or a rebalance
 * replays at most this much; the replayed tasks have the same delivery ids and the dispatcher
 * drops those of deliveries that already finished.
 */
const COMMIT_EVERY_MS = 1000;

/**
 * Consumes hookline.events in batches, one consumer group shared by every fan-out process. An
 * event's offset is resolved only once Kafka acknowledged all its tasks (or its dead letter), and
 * in offset order, so a committed offset never covers a task that could be lost: a crash repeats
 * tasks (same delivery ids), never drops one. A poison message is dead-lettered like any other
 * output and never stops its partition.
 */
export class FanoutConsumer {
  private consumer?: Consumer;
  private assigned: number[] = [];
  private joined = false;
  private crashed = false;
  /** Partition → offset to commit next (the one after the last resolved), not yet committed. */
  private readonly uncommitted = new Map<number, string>();
  private commitTimer?: NodeJS.Timeout;
  private committing?: Promise<void>;
  private stopping = false;
  private activeBatches = 0;
  private batchesDone: (() => void)[] = [];

  constructor(private readonly options: FanoutConsumerOptions) {}

  /** Partitions of hookline.events this process owns since the last rebalance. */
  get assignment(): number[] {
    return [...this.assigned];
  }

  get healthy(): boolean {
    return this.joined && !this.crashed;
  }

  async start(): Promise<void> {
    const { kafka, topic, groupId, sessionTimeoutMs } = this.options;
    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: sessionTimeoutMs,
      heartbeatInterval:
        this.options.heartbeatIntervalMs ?? Math.min(3000, Math.floor(sessionTimeoutMs / 3)),
      maxWaitTimeInMs: 50,
      // Compressed bytes, so a batch is many events; 256 KB keeps a few thousand in memory at most.
      maxBytesPerPartition: 256 * 1024,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.assigned = [...(payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b);
      this.joined = true;
      // Offsets of partitions that moved cannot be committed by this member any more.
      for (const partition of this.uncommitted.keys())
        if (!this.assigned.includes(partition)) this.uncommitted.delete(partition);
      // Partitions that moved elsewhere must not keep reporting their last lag from here.
      this.options.metrics.consumerLag.reset();
      this.options.log.info({ partitions: this.assigned }, 'hookline.events partitions assigned');
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.options.log.error(
        { err: payload.error, restart: payload.restart },
        'events consumer crashed',
      );
      if (!payload.restart) this.crashed = true;
    });
    await consumer.connect();
    // A new group starts at the beginning: events published before the first fan-out ran are kept.
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.handleBatch(payload),
    });
    this.commitTimer = setInterval(() => void this.commit(), COMMIT_EVERY_MS);
    this.commitTimer.unref();
  }

  /**
   * Stops reading, lets the running batches finish, commits what they resolved and leaves the
   * group. The commit must come before consumer.stop(): kafkajs drops the group there.
   */
  async stop(): Promise<void> {
    const consumer = this.consumer;
    if (!consumer || this.stopping) return;
    this.stopping = true;
    clearInterval(this.commitTimer);
    consumer.pause([{ topic: this.options.topic }]);
    while (this.activeBatches > 0)
      await new Promise<void>((resolve) => this.batchesDone.push(resolve));
    await this.commit();
    this.consumer = undefined;
    this.joined = false;
    await consumer.disconnect();
  }

  /** Commits the resolved offsets not committed yet; concurrent callers share one commit. */
  commit(): Promise<void> {
    this.committing ??= this.doCommit().finally(() => (this.committing = undefined));
    return this.committing;
  }

  private async doCommit(): Promise<void> {
    const consumer = this.consumer;
    if (!consumer || this.uncommitted.size === 0) return;
    const offsets = [...this.uncommitted].map(([partition, offset]) => ({
      topic: this.options.topic,
      partition,
      offset,
    }));
    try {
      await consumer.commitOffsets(offsets);
      // Only what was committed: a batch may have resolved further in the meantime.
      for (const { partition, offset } of offsets)
        if (this.uncommitted.get(partition) === offset) this.uncommitted.delete(partition);
    } catch (e) {
      this.options.log.warn({ err: e }, 'offset commit failed; the next one covers it');
    }
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    // Batches fetched before stop() paused the topic are left for the next owner.
    if (this.stopping) return;
    this.activeBatches++;
    try {
      await this.routeBatch(payload);
    } finally {
      if (--this.activeBatches === 0) for (const resolve of this.batchesDone.splice(0)) resolve();
    }
  }

  private async routeBatch({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
  }: EachBatchPayload) {
    const { router, producer, metrics } = this.options;
    const maxInFlightBytes = this.options.maxInFlightBytes ?? 2 * 1024 * 1024;
    const inFlight: InFlight[] = [];
    let inFlightBytes = 0;
    let lastResolved: string | undefined;

    const settleOldest = async () => {
      const entry = inFlight.shift()!;
      inFlightBytes -= entry.routed.bytes;
      try {
        await entry.acknowledged;
      } catch (e) {
        inFlight.unshift(entry); // its span is ended with the others below
        throw e;
      }
      entry.routed.span?.end();
      metrics.eventsConsumed[entry.routed.outcome].inc();
      if (entry.routed.outcome === 'fanned_out')
        metrics.tasksProduced.inc(entry.routed.messages.length);
      resolveOffset(entry.offset);
      lastResolved = entry.offset;
      this.uncommitted.set(batch.partition, (BigInt(entry.offset) + 1n).toString());
      await heartbeat(); // kafkajs sends one only when the heartbeat interval has passed
    };

    try {
      if (batch.messages.length > 0) await this.options.indexFresh();
      for (const message of batch.messages) {
        // After a rebalance the partition may belong to another process: stop, it will resume there.
        if (!isRunning() || isStale() || this.stopping) break;
        const routed = router.route(message, batch.partition);
        if (routed.outcome === 'dead_lettered') {
          this.options.log.warn(
            { partition: batch.partition, offset: message.offset, reason: routed.reason },
            'poison event sent to the DLQ',
          );
        }
        const acknowledged = producer.send(routed.messages);
        acknowledged.catch(() => undefined); // awaited in order below; this only silences the early rejection
        inFlight.push({ offset: message.offset, routed, acknowledged });
        inFlightBytes += routed.bytes;
        while (inFlightBytes > maxInFlightBytes && inFlight.length > 0) await settleOldest();
      }
      while (inFlight.length > 0) await settleOldest();
    } catch (e) {
      for (const entry of inFlight) {
        entry.routed.span?.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error).message });
        entry.routed.span?.end();
      }
      // kafkajs retries the batch from the first unresolved offset.
      throw e;
    } finally {
      if (lastResolved !== undefined) {
        const lag = Number(batch.highWatermark) - Number(lastResolved) - 1;
        metrics.consumerLag.set({ partition: String(batch.partition) }, Math.max(0, lag));
      }
    }
  }
}
