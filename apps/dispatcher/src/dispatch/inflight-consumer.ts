import type { Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from '@hookline/telemetry';
import type { DispatcherMetrics } from './dispatcher.metrics';
import { PartitionProgress } from './partition-progress';

export interface ConsumedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: IHeaders;
}

export interface InflightConsumerOptions {
  /** Names the consumer in logs and metrics. */
  name: string;
  kafka: Kafka;
  groupId: string;
  topics: string[];
  /** Does the work of one message; resolves once it is finished (delivered, or handed on). */
  handle(message: ConsumedMessage): Promise<void>;
  /** When a message falls due (ms since epoch); undefined or past: now. */
  dueAt?(message: KafkaMessage): number | undefined;
  /** Unfinished messages per partition before it is paused. */
  maxPendingPerPartition: number;
  /** Unfinished messages of this consumer before its partitions are paused. */
  maxPendingTotal: number;
  commitIntervalMs: number;
  /** How long stop() waits for unfinished work before leaving the group. */
  drainTimeoutMs: number;
  log: Logger;
  metrics: DispatcherMetrics;
}

const tp = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/**
 * A Kafka consumer that hands messages to concurrent work without waiting for it: eachBatch only
 * accepts messages and returns, so the fetch loop, and with it the heartbeats, never waits on an
 * endpoint. Each partition tracks its unfinished offsets and only the offset below which all work
 * is finished is committed: a crash repeats work, never skips it.
 *
 * A partition is paused (and sought back to the first message not accepted) when it holds too
 * much unfinished work, and resumed when that drains; or, for a message not yet due, until it
 * falls due: a timer resumes it, nothing polls.
 */
export class InflightConsumer {
  private consumer?: Consumer;
  private readonly progress = new Map<string, PartitionProgress>();
  private assigned = new Set<string>();
  private readonly capacityHeld = new Map<string, { topic: string; partition: number }>();
  private readonly dueTimers = new Map<string, NodeJS.Timeout>();
  private totalPending = 0;
  private commitTimer?: NodeJS.Timeout;
  private committing?: Promise<void>;
  private stopping = false;
  private joined = false;
  private readonly drained: (() => void)[] = [];

  constructor(private readonly options: InflightConsumerOptions) {}

  get isJoined(): boolean {
    return this.joined;
  }

  get pending(): number {
    return this.totalPending;
  }

  async start(): Promise<void> {
    const o = this.options;
    const consumer = o.kafka.consumer({
      groupId: o.groupId,
      sessionTimeout: 30_000,
      heartbeatInterval: 3000,
      maxWaitTimeInMs: 50,
      // Compressed bytes: 64 KB of gzipped tasks is ~700 of them, the most a batch can go over
      // the pending limits by (see onBatch).
      maxBytesPerPartition: 64 * 1024,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (e) => this.onAssignment(e.payload.memberAssignment));
    consumer.on(consumer.events.CRASH, (e) =>
      o.log.error({ err: e.payload.error, consumer: o.name }, 'consumer crashed'),
    );
    await consumer.connect();
    await consumer.subscribe({ topics: o.topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 16,
      eachBatch: (payload) => this.onBatch(payload),
    });
    this.commitTimer = setInterval(() => void this.commit(), o.commitIntervalMs);
    this.commitTimer.unref();
  }

  private async onBatch({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
  }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    const key = tp(topic, partition);
    if (this.stopping || this.dueTimers.has(key) || this.capacityHeld.has(key)) return;
    const progress = this.progressFor(key);
    const o = this.options;
    for (const message of batch.messages) {
      if (!isRunning() || isStale() || this.stopping) break;
      const offset = BigInt(message.offset);
      // Already accepted before a seek or a rebalance re-read it: finished or still in flight here.
      if (progress.hasAccepted(offset)) {
        resolveOffset(message.offset);
        continue;
      }
      const due = o.dueAt?.(message);
      if (due !== undefined && due > Date.now()) {
        this.holdUntil(topic, partition, message.offset, due);
        break;
      }
      progress.accept(offset);
      this.totalPending++;
      resolveOffset(message.offset);
      void this.run(progress, offset, {
        topic,
        partition,
        offset: message.offset,
        key: message.key?.toString() ?? null,
        value: message.value,
        headers: message.headers ?? {},
      });
    }
    // Capacity is checked once per batch, not per message: the batch is in memory already, and
    // pausing in its middle makes kafkajs fetch and decompress the rest of it again after the
    // resume — under sustained overload that refetching cost more CPU than the deliveries. The
    // limits are therefore soft: at most one batch (maxBytesPerPartition) over, per partition.
    if (
      !this.dueTimers.has(key) &&
      (progress.pending >= o.maxPendingPerPartition || this.totalPending >= o.maxPendingTotal)
    ) {
      this.holdForCapacity(topic, partition);
    }
    this.options.metrics.pendingTasks.set({ consumer: o.name }, this.totalPending);
    await heartbeat();
  }

  private async run(
    progress: PartitionProgress,
    offset: bigint,
    message: ConsumedMessage,
  ): Promise<void> {
    for (let failures = 0; ; failures++) {
      try {
        await this.options.handle(message);
        break;
      } catch (e) {
        // The work must not be lost and the offset must not be skipped: do it again.
        this.options.log.error(
          { err: e, topic: message.topic, partition: message.partition, offset: message.offset },
          'task failed; retrying',
        );
        if (this.stopping) return this.finish(); // left uncommitted: the next owner repeats it
        await new Promise((r) => setTimeout(r, Math.min(10_000, 250 * 2 ** Math.min(failures, 6))));
      }
    }
    progress.complete(offset);
    this.finish();
    this.maybeResume();
  }

  private finish(): void {
    this.totalPending--;
    this.options.metrics.pendingTasks.set({ consumer: this.options.name }, this.totalPending);
    if (this.totalPending === 0) for (const resolve of this.drained.splice(0)) resolve();
  }

  private holdUntil(topic: string, partition: number, offset: string, due: number): void {
    const key = tp(topic, partition);
    this.pauseAt(topic, partition, offset);
    clearTimeout(this.dueTimers.get(key));
    this.dueTimers.set(
      key,
      setTimeout(
        () => {
          this.dueTimers.delete(key);
          this.updatePausedGauge();
          if (!this.stopping) this.consumer?.resume([{ topic, partitions: [partition] }]);
        },
        Math.max(1, due - Date.now()),
      ),
    );
    this.updatePausedGauge();
  }

  private holdForCapacity(topic: string, partition: number): void {
    // No seek: every message of the batch was accepted, the next fetch starts after it.
    this.consumer!.pause([{ topic, partitions: [partition] }]);
    this.capacityHeld.set(tp(topic, partition), { topic, partition });
    this.updatePausedGauge();
  }

  private pauseAt(topic: string, partition: number, offset: string): void {
    this.consumer!.pause([{ topic, partitions: [partition] }]);
    // The next fetch of this partition starts at the message not accepted.
    this.consumer!.seek({ topic, partition, offset });
  }

  /** Resumes partitions held for capacity once their work (and the consumer's) has half drained. */
  private maybeResume(): void {
    if (this.capacityHeld.size === 0 || this.stopping) return;
    const o = this.options;
    if (this.totalPending >= o.maxPendingTotal * 0.75) return;
    for (const [key, held] of this.capacityHeld) {
      const progress = this.progress.get(key);
      if (progress && progress.pending >= o.maxPendingPerPartition / 2) continue;
      this.capacityHeld.delete(key);
      this.consumer?.resume([{ topic: held.topic, partitions: [held.partition] }]);
    }
    this.updatePausedGauge();
  }

  private onAssignment(assignment: Record<string, number[]>): void {
    const next = new Set<string>();
    for (const topic of this.options.topics)
      for (const partition of assignment[topic] ?? []) next.add(tp(topic, partition));
    // Work of a partition now owned elsewhere still finishes here, but its offsets are no longer
    // committed by this process: the new owner starts from the last commit (and may repeat it).
    for (const key of [...this.progress.keys()]) if (!next.has(key)) this.progress.delete(key);
    for (const key of [...this.capacityHeld.keys()])
      if (!next.has(key)) this.capacityHeld.delete(key);
    // Pauses outlive a rebalance in kafkajs; lift the ones nothing of ours holds any more.
    const stray: { topic: string; partitions: number[] }[] = [];
    for (const topic of this.options.topics) {
      const partitions = (assignment[topic] ?? []).filter(
        (p) => !this.dueTimers.has(tp(topic, p)) && !this.capacityHeld.has(tp(topic, p)),
      );
      if (partitions.length) stray.push({ topic, partitions });
    }
    if (stray.length && !this.stopping) this.consumer?.resume(stray);
    this.assigned = next;
    this.joined = true;
    this.updatePausedGauge();
  }

  private progressFor(key: string): PartitionProgress {
    let progress = this.progress.get(key);
    if (!progress) {
      progress = new PartitionProgress();
      this.progress.set(key, progress);
    }
    return progress;
  }

  /** Commits, per partition, the offset below which every message is finished. */
  commit(): Promise<void> {
    this.committing ??= this.doCommit().finally(() => (this.committing = undefined));
    return this.committing;
  }

  private async doCommit(): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) return;
    const offsets: { topic: string; partition: number; offset: string }[] = [];
    const done: [PartitionProgress, bigint][] = [];
    for (const [key, progress] of this.progress) {
      if (!this.assigned.has(key)) continue;
      const offset = progress.committable();
      if (offset === undefined) continue;
      const [topic, partition] = key.split('\u0000') as [string, string];
      offsets.push({ topic, partition: Number(partition), offset: offset.toString() });
      done.push([progress, offset]);
    }
    if (offsets.length === 0) return;
    try {
      await consumer.commitOffsets(offsets);
      for (const [progress, offset] of done) progress.markCommitted(offset);
    } catch (e) {
      this.options.log.warn(
        { err: e, consumer: this.options.name },
        'offset commit failed; will retry',
      );
    }
  }

  private updatePausedGauge(): void {
    const { metrics, name } = this.options;
    metrics.partitionsPaused.set({ consumer: name, why: 'not_due' }, this.dueTimers.size);
    metrics.partitionsPaused.set({ consumer: name, why: 'capacity' }, this.capacityHeld.size);
  }

  /**
   * Stops reading, lets unfinished work finish (up to drainTimeoutMs), commits it and leaves
   * the group. Work still unfinished then is left uncommitted, for the next owner to repeat.
   */
  async stop(): Promise<void> {
    const consumer = this.consumer;
    if (!consumer || this.stopping) return;
    this.stopping = true;
    clearInterval(this.commitTimer);
    for (const timer of this.dueTimers.values()) clearTimeout(timer);
    this.dueTimers.clear();
    consumer.pause(this.options.topics.map((topic) => ({ topic })));
    if (this.totalPending > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.drainTimeoutMs);
        this.drained.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    await this.commit();
    await consumer.disconnect().catch(() => undefined);
    this.consumer = undefined;
  }
}
