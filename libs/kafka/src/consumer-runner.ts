import type { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import type {
  ConsumedMessage,
  ConsumerHealth,
  ConsumerRunnerOptions,
  HandlerContext,
} from './consumer-runner.types';
import { withDeadline } from './deadline';
import { PartitionProgress } from './partition-progress';

const tp = (topic: string, partition: number) => `${topic}\u0000${partition}`;
const backoff = (attempt: number, initialMs: number, maxMs: number) =>
  Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 20));

/**
 * A Kafka consumer that hands messages to concurrent work without waiting for it: eachBatch only
 * accepts messages and returns, so the fetch loop, and with it the heartbeats, never waits on the
 * work. Each partition tracks its unfinished offsets and only the offset below which all work is
 * finished is committed, on a timer: a crash repeats work, never skips it.
 *
 * A partition is paused when it holds too much unfinished work and resumed when that drains; or,
 * for a message not yet due, paused and sought back to it until it falls due: a timer resumes it.
 *
 * A consumer that kafkajs gives up on (a crash it will not restart itself) is disconnected and
 * created again, with capped exponential backoff; `health()` says whether it is consuming and for
 * how long it has not been.
 */
export class ConsumerRunner {
  private consumer?: Consumer;
  /** Counts consumers created: events and batches of a replaced one are ignored. */
  private generation = 0;
  private readonly progress = new Map<string, PartitionProgress>();
  private assigned = new Set<string>();
  private assignedByTopic: Record<string, number[]> = {};
  private readonly capacityHeld = new Map<string, { topic: string; partition: number }>();
  private readonly dueTimers = new Map<string, NodeJS.Timeout>();
  private pendingWeight = 0;
  private pendingCount = 0;
  private commitTimer?: NodeJS.Timeout;
  private committing?: Promise<void>;
  private restarting?: Promise<void>;
  /** kafkajs announced it restarts the consumer itself (a crash with `restart: true`). */
  private selfRestarting = false;
  private started = false;
  private stopping = false;
  private joined = false;
  private lastHealthyAt = 0;
  private wakeRestart?: () => void;
  private readonly drained: (() => void)[] = [];
  /** Batches waiting for room (whenFull: 'wait'); woken by every finished message. */
  private readonly roomWaiters: (() => void)[] = [];

  constructor(private readonly options: ConsumerRunnerOptions) {}

  /** Joined its group and fetching. */
  get consuming(): boolean {
    return this.joined;
  }

  /** Weight of the work read and not yet finished. */
  get pending(): number {
    return this.pendingWeight;
  }

  /** Partitions per topic owned since the last assignment. */
  get assignment(): Record<string, number[]> {
    return this.assignedByTopic;
  }

  health(now = Date.now()): ConsumerHealth {
    const idle = this.joined || !this.started || this.stopping;
    const unhealthyForMs = idle ? 0 : now - this.lastHealthyAt;
    return {
      consuming: this.joined,
      lastHealthyAt: this.joined ? now : this.lastHealthyAt,
      unhealthyForMs,
      live: unhealthyForMs <= (this.options.unhealthyAfterMs ?? 120_000),
    };
  }

  /** Joins the group; rejects when the first consumer cannot be started (a later death restarts). */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.lastHealthyAt = Date.now();
    try {
      await this.launch();
    } catch (e) {
      await this.dropConsumer();
      this.started = false;
      throw e;
    }
    this.commitTimer = setInterval(() => void this.commit(), this.options.commitIntervalMs);
    this.commitTimer.unref();
  }

  private async launch(): Promise<void> {
    const o = this.options;
    const consumer = o.kafka.consumer({
      groupId: o.groupId,
      sessionTimeout: o.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: o.heartbeatIntervalMs ?? 3000,
      maxWaitTimeInMs: 50,
      maxBytesPerPartition: o.maxBytesPerPartition ?? 64 * 1024,
    });
    const generation = ++this.generation;
    this.consumer = consumer;
    // Pauses belong to the consumer that made them; the new one re-establishes its own.
    this.clearHolds();
    this.selfRestarting = false;
    const current = () => generation === this.generation;
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      if (current()) this.onAssignment(e.payload.memberAssignment);
    });
    consumer.on(consumer.events.CRASH, (e) => {
      if (current()) this.onCrash(e.payload.error, e.payload.restart);
    });
    if (o.onReadTo) {
      const onReadTo = o.onReadTo;
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        if (current() && payload.batchSize === 0)
          onReadTo(payload.topic, payload.partition, payload.lastOffset);
      });
    }
    await consumer.connect();
    await consumer.subscribe({ topics: o.topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: o.partitionsConsumedConcurrently ?? 16,
      eachBatch: (payload) => (current() ? this.onBatch(payload) : Promise.resolve()),
    });
  }

  private onCrash(error: Error, restart: boolean): void {
    this.setJoined(false);
    this.options.log.error(
      { err: error, consumer: this.options.name, restart },
      restart ? 'consumer crashed; kafkajs restarts it' : 'consumer crashed; re-creating it',
    );
    this.selfRestarting = restart;
    if (!restart) void this.restart();
  }

  /** Replaces a dead consumer, retrying with backoff until one joins or stop() is called. */
  private restart(): Promise<void> {
    this.restarting ??= this.relaunch().finally(() => (this.restarting = undefined));
    return this.restarting;
  }

  private async relaunch(): Promise<void> {
    const { log, name, restartBackoff, metrics } = this.options;
    this.setJoined(false);
    for (let attempt = 0; !this.stopping; attempt++) {
      await this.dropConsumer();
      await new Promise<void>((resolve) => {
        const delay = backoff(
          attempt,
          restartBackoff?.initialMs ?? 500,
          restartBackoff?.maxMs ?? 30_000,
        );
        const timer = setTimeout(resolve, delay);
        this.wakeRestart = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeRestart = undefined;
      if (this.stopping) return;
      try {
        await this.launch();
        metrics?.restarted?.();
        log.info({ consumer: name, attempt }, 'consumer re-created');
        return;
      } catch (e) {
        log.warn({ err: e, consumer: name, attempt }, 'consumer restart failed; trying again');
      }
    }
  }

  private async dropConsumer(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    this.generation++;
    if (consumer) await this.bounded(consumer.disconnect(), 'disconnect').catch(() => undefined);
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const { topic, partition } = batch;
    const key = tp(topic, partition);
    if (this.stopping || this.dueTimers.has(key) || this.capacityHeld.has(key)) return;
    const o = this.options;
    if (o.beforeBatch && batch.messages.length > 0) {
      await o.beforeBatch({
        topic,
        partition,
        highWatermark: batch.highWatermark,
        messages: batch.messages.length,
      });
    }
    const progress = this.progressFor(key);
    const waitForRoom = o.whenFull === 'wait';
    let handedOut = 0;
    for (const message of batch.messages) {
      if (waitForRoom && this.full(progress)) await this.roomFor(progress, payload);
      if (!isRunning() || isStale() || this.stopping) break;
      handedOut++;
      const offset = BigInt(message.offset);
      // Already accepted before a seek, a rebalance or a restart re-read it.
      if (progress.hasAccepted(offset)) {
        resolveOffset(message.offset);
        continue;
      }
      const due = o.dueAt?.(message);
      if (due !== undefined && due > Date.now()) {
        this.holdUntil(topic, partition, message.offset, due);
        handedOut--;
        break;
      }
      this.dispatch(progress, topic, partition, message);
      resolveOffset(message.offset);
    }
    // Capacity is checked once per batch, not per message: the batch is in memory already, and
    // pausing in its middle makes kafkajs fetch and decompress the rest of it again after the
    // resume — under sustained overload that refetching cost more CPU than the work. The limits
    // are therefore soft: at most one batch (maxBytesPerPartition) over, per partition.
    if (!waitForRoom && !this.dueTimers.has(key) && this.full(progress)) {
      this.holdForCapacity(topic, partition);
    }
    o.metrics?.pending?.(this.pendingWeight);
    if (handedOut === batch.messages.length && handedOut > 0)
      o.onReadTo?.(topic, partition, batch.lastOffset());
    await heartbeat();
  }

  private full(progress: PartitionProgress): boolean {
    const o = this.options;
    return (
      progress.pendingWeight >= o.maxPendingPerPartition || this.pendingWeight >= o.maxPendingTotal
    );
  }

  /** Waits, heartbeating, until the partition and the consumer are below their limits again. */
  private async roomFor(
    progress: PartitionProgress,
    { heartbeat, isRunning, isStale }: EachBatchPayload,
  ): Promise<void> {
    const beatEveryMs = this.options.heartbeatIntervalMs ?? 3000;
    while (this.full(progress) && isRunning() && !isStale() && !this.stopping) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, beatEveryMs);
        this.roomWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      await heartbeat();
    }
  }

  private dispatch(
    progress: PartitionProgress,
    topic: string,
    partition: number,
    kafkaMessage: KafkaMessage,
  ): void {
    const message: ConsumedMessage = {
      topic,
      partition,
      offset: kafkaMessage.offset,
      key: kafkaMessage.key?.toString() ?? null,
      value: kafkaMessage.value,
      headers: kafkaMessage.headers ?? {},
    };
    let weight = 1;
    const context: HandlerContext = {
      kafkaMessage,
      setWeight: (units) => (weight = Math.max(0, units)),
    };
    // The handler runs before the offset is recorded, so its weight is known; it cannot finish
    // before either, its promise settles on a later tick.
    const work = this.invoke(message, context);
    const offset = BigInt(kafkaMessage.offset);
    progress.accept(offset, weight);
    this.pendingWeight += weight;
    this.pendingCount++;
    void this.settle(progress, offset, weight, message, context, work);
  }

  private invoke(message: ConsumedMessage, context: HandlerContext): Promise<void> {
    try {
      return this.options.handle(message, context);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private async settle(
    progress: PartitionProgress,
    offset: bigint,
    weight: number,
    message: ConsumedMessage,
    context: HandlerContext,
    work: Promise<void>,
  ): Promise<void> {
    const { log, onHandlerError } = this.options;
    const where = { topic: message.topic, partition: message.partition, offset: message.offset };
    for (let failures = 1; ; failures++) {
      try {
        await work;
        break;
      } catch (e) {
        if (this.stopping) return this.finish(weight); // left uncommitted: the next owner repeats it
        if ((onHandlerError?.(message, e, failures) ?? 'retry') === 'skip') {
          log.warn({ err: e, ...where, failures }, 'message failed; skipped');
          break;
        }
        // The work must not be lost and the offset must not be skipped: do it again.
        log.error({ err: e, ...where, failures }, 'message failed; retrying');
        await new Promise((r) => setTimeout(r, backoff(failures - 1, 250, 10_000)));
        if (this.stopping) return this.finish(weight);
        work = this.invoke(message, context);
      }
    }
    progress.complete(offset);
    this.finish(weight);
    this.maybeResume();
  }

  private finish(weight: number): void {
    this.pendingWeight -= weight;
    this.pendingCount--;
    this.options.metrics?.pending?.(this.pendingWeight);
    if (this.roomWaiters.length > 0) for (const wake of this.roomWaiters.splice(0)) wake();
    if (this.pendingCount === 0) for (const resolve of this.drained.splice(0)) resolve();
  }

  private holdUntil(topic: string, partition: number, offset: string, due: number): void {
    const key = tp(topic, partition);
    this.safely(() => {
      this.consumer?.pause([{ topic, partitions: [partition] }]);
      // The next fetch of this partition starts at the message not accepted.
      this.consumer?.seek({ topic, partition, offset });
    });
    clearTimeout(this.dueTimers.get(key));
    const resume = () => {
      this.dueTimers.delete(key);
      this.reportPaused();
      if (!this.stopping)
        this.safely(() => this.consumer?.resume([{ topic, partitions: [partition] }]));
    };
    this.dueTimers.set(key, setTimeout(resume, Math.max(1, due - Date.now())));
    this.reportPaused();
  }

  private holdForCapacity(topic: string, partition: number): void {
    // No seek: every message of the batch was accepted, the next fetch starts after it.
    this.safely(() => this.consumer?.pause([{ topic, partitions: [partition] }]));
    this.capacityHeld.set(tp(topic, partition), { topic, partition });
    this.reportPaused();
  }

  /** Resumes partitions held for capacity once their work (and the consumer's) has half drained. */
  private maybeResume(): void {
    if (this.capacityHeld.size === 0 || this.stopping) return;
    const o = this.options;
    if (this.pendingWeight >= o.maxPendingTotal * 0.75) return;
    for (const [key, held] of this.capacityHeld) {
      const progress = this.progress.get(key);
      if (progress && progress.pendingWeight >= o.maxPendingPerPartition / 2) continue;
      this.capacityHeld.delete(key);
      this.safely(() =>
        this.consumer?.resume([{ topic: held.topic, partitions: [held.partition] }]),
      );
    }
    this.reportPaused();
  }

  private clearHolds(): void {
    for (const timer of this.dueTimers.values()) clearTimeout(timer);
    this.dueTimers.clear();
    this.capacityHeld.clear();
    this.reportPaused();
  }

  private onAssignment(assignment: Record<string, number[]>): void {
    const next = new Set<string>();
    const byTopic: Record<string, number[]> = {};
    for (const topic of this.options.topics) {
      byTopic[topic] = [...(assignment[topic] ?? [])].sort((a, b) => a - b);
      for (const partition of byTopic[topic]) next.add(tp(topic, partition));
    }
    // Work of a partition now owned elsewhere still finishes here, but its offsets are no longer
    // committed by this process: the new owner starts from the last commit (and may repeat it).
    for (const key of [...this.progress.keys()]) if (!next.has(key)) this.progress.delete(key);
    for (const key of [...this.capacityHeld.keys()])
      if (!next.has(key)) this.capacityHeld.delete(key);
    // Pauses outlive a rebalance in kafkajs; lift the ones nothing of ours holds any more.
    const stray: { topic: string; partitions: number[] }[] = [];
    for (const [topic, partitions] of Object.entries(byTopic)) {
      const free = partitions.filter(
        (p) => !this.dueTimers.has(tp(topic, p)) && !this.capacityHeld.has(tp(topic, p)),
      );
      if (free.length) stray.push({ topic, partitions: free });
    }
    if (stray.length && !this.stopping) this.safely(() => this.consumer?.resume(stray));
    this.assigned = next;
    this.assignedByTopic = byTopic;
    this.selfRestarting = false;
    this.setJoined(true);
    this.reportPaused();
    this.options.onAssignment?.(byTopic);
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
    if (!consumer || !this.joined) return;
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
      const { log, name } = this.options;
      log.warn({ err: e, consumer: name }, 'offset commit failed; will retry');
      // "Consumer group was not initialized": kafkajs stopped this consumer without a CRASH event.
      const dead = (e as { retriable?: boolean }).retriable === false;
      if (dead && consumer === this.consumer && !this.selfRestarting && !this.stopping) {
        void this.restart();
      }
    }
  }

  private setJoined(joined: boolean): void {
    if (this.joined && !joined) this.lastHealthyAt = Date.now();
    this.joined = joined;
  }

  private reportPaused(): void {
    const paused = this.options.metrics?.paused;
    paused?.('not_due', this.dueTimers.size);
    paused?.('capacity', this.capacityHeld.size);
  }

  /** pause/resume/seek throw once kafkajs has dropped the consumer; the restart redoes them. */
  private safely(action: () => void): void {
    try {
      action();
    } catch (e) {
      this.options.log.warn({ err: e, consumer: this.options.name }, 'consumer call failed');
    }
  }

  private bounded<T>(work: Promise<T>, what: string): Promise<T> {
    const ms = this.options.disconnectTimeoutMs ?? 5000;
    return withDeadline(work, ms, () => new Error(`${what} did not finish within ${ms} ms`));
  }

  /**
   * Stops reading, lets unfinished work finish (up to drainTimeoutMs), commits it and leaves
   * the group, each step bounded. Work still unfinished then is left uncommitted, for the next
   * owner to repeat.
   */
  async stop(): Promise<void> {
    if (!this.started || this.stopping) return;
    this.stopping = true;
    clearInterval(this.commitTimer);
    this.clearHolds();
    this.wakeRestart?.();
    for (const wake of this.roomWaiters.splice(0)) wake();
    if (this.restarting) await this.bounded(this.restarting, 'restart').catch(() => undefined);
    const consumer = this.consumer;
    this.safely(() => consumer?.pause(this.options.topics.map((topic) => ({ topic }))));
    if (this.pendingCount > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.drainTimeoutMs);
        this.drained.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    await this.bounded(this.commit(), 'final commit').catch((e) =>
      this.options.log.warn({ err: e, consumer: this.options.name }, 'final commit failed'),
    );
    this.setJoined(false);
    await this.dropConsumer();
  }
}
