import type { Consumer, EachBatchPayload } from 'kafkajs';
import type { ConsumerHealth, ConsumerRunnerOptions } from './consumer-runner.types';
import { withDeadline } from './deadline';
import { InflightWork, backoff } from './inflight-work';
import { setFetchWaits } from './long-poll-patch';
import { PartitionHolds, partitionKey } from './partition-holds';
import { PartitionProgress } from './partition-progress';
import { onRejoin } from './rejoin-patch';

/** A fetch's wait at the broker unless the options say otherwise (maxWaitMs). */
const DEFAULT_MAX_WAIT_MS = 50;
/** The restart schedule unless the options say otherwise (see ConsumerRunnerOptions.restartBackoff). */
const RESTART_INITIAL_MS = 500;
const RESTART_MAX_MS = 2_000;
/** How long a rebalance waits for the work read, unless the options say otherwise. */
const HAND_OVER_TIMEOUT_MS = 3_000;

/**
 * A Kafka consumer that hands messages to concurrent work without waiting for it: eachBatch only
 * accepts messages and returns, so the fetch loop, and with it the heartbeats, never waits on the
 * work. Each partition tracks its unfinished offsets and only the offset below which all work is
 * finished is committed, on a timer: a crash repeats work, never skips it.
 *
 * A partition is paused when it holds too much unfinished work and resumed when that drains (or,
 * with `whenFull: 'wait'`, its batch waits for room); a message not yet due pauses its partition,
 * sought back to it, until a timer resumes it when it falls due.
 *
 * When its group rebalances, it finishes the work it read (up to handOverTimeoutMs) and commits it
 * before joining again, so a partition that moves is not read again by its new owner.
 *
 * A consumer that crashes is disconnected and created again by the runner alone (kafkajs's own
 * restart is turned off), with capped exponential backoff; `health()` says whether it is consuming
 * and for how long it has not been.
 */
export class ConsumerRunner {
  private consumer?: Consumer;
  /** Counts consumers created: events and batches of a replaced one are ignored. */
  private generation = 0;
  private readonly progress = new Map<string, PartitionProgress>();
  private assigned = new Set<string>();
  private assignedByTopic: Record<string, number[]> = {};
  private readonly holds: PartitionHolds;
  private readonly work: InflightWork;
  private commitTimer?: NodeJS.Timeout;
  private committing?: Promise<void>;
  private restarting?: Promise<void>;
  private started = false;
  private stopping = false;
  /** Between a rebalance's start and the join that ends it: nothing new is handed out. */
  private handingOver = false;
  private removeHandOver?: () => void;
  private joined = false;
  private lastHealthyAt = 0;
  private wakeRestart?: () => void;

  constructor(private readonly options: ConsumerRunnerOptions) {
    this.work = new InflightWork(
      options,
      () => this.stopping,
      () => this.maybeResume(),
    );
    this.holds = new PartitionHolds({
      consumer: () => this.consumer,
      mayResume: () => !this.stopping,
      safely: (action) => this.safely(action),
      report: options.metrics?.paused,
    });
    // The group's fetch waits hold for every consumer the runner makes (see longPollMs).
    if (options.longPollMs !== undefined)
      setFetchWaits(options.groupId, {
        idleMs: options.longPollMs,
        pausedMs: options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS,
      });
  }

  /** Joined its group and fetching. */
  get consuming(): boolean {
    return this.joined;
  }

  /** Weight of the work read and not yet finished. */
  get pending(): number {
    return this.work.pendingWeight;
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

  /** A third of the session at most (Kafka's rule), 3 s at most. */
  private get heartbeatMs(): number {
    const o = this.options;
    return o.heartbeatIntervalMs ?? Math.min(3000, Math.floor((o.sessionTimeoutMs ?? 30_000) / 3));
  }

  private async launch(): Promise<void> {
    const o = this.options;
    const consumer = o.kafka.consumer({
      groupId: o.groupId,
      sessionTimeout: o.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: this.heartbeatMs,
      maxWaitTimeInMs: o.maxWaitMs ?? DEFAULT_MAX_WAIT_MS,
      maxBytesPerPartition: o.maxBytesPerPartition ?? 64 * 1024,
      // The runner is the only one that restarts: kafkajs's own restart runs on a timer that a
      // disconnect racing the crash does not cancel, and brings back a consumer the runner has
      // already replaced — a second member of the group that holds partitions and reads nothing.
      retry: { retries: 5, restartOnFailure: async () => false },
    });
    const generation = ++this.generation;
    this.consumer = consumer;
    // Pauses belong to the consumer that made them; the new one re-establishes its own.
    this.holds.clear();
    const current = () => generation === this.generation;
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      if (!current()) return this.retire(consumer);
      this.removeHandOver?.();
      this.removeHandOver = onRejoin(e.payload.memberId, () => this.handOver(consumer));
      this.onAssignment(e.payload.memberAssignment);
    });
    consumer.on(consumer.events.CRASH, (e) => {
      if (current()) this.onCrash(e.payload.error);
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
      eachBatch: (payload) => {
        if (current()) return this.onBatch(payload);
        this.retire(consumer);
        return Promise.resolve();
      },
    });
  }

  /**
   * A replaced consumer that is still (or again) in the group leaves it: otherwise it keeps its
   * partitions and heartbeats while nothing reads them.
   */
  private retire(consumer: Consumer): void {
    this.options.log.warn(
      { consumer: this.options.name },
      'a replaced consumer was still in the group; disconnecting it',
    );
    void this.bounded(consumer.disconnect(), 'disconnect').catch(() => undefined);
  }

  private onCrash(error: Error): void {
    this.setJoined(false);
    this.options.log.error(
      { err: error, consumer: this.options.name },
      'consumer crashed; re-creating it',
    );
    void this.restart();
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
          restartBackoff?.initialMs ?? RESTART_INITIAL_MS,
          restartBackoff?.maxMs ?? RESTART_MAX_MS,
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
        // A launch straddling the broker's return can hang in kafkajs (connect or join never
        // settles, no crash): bounded, so the loop drops that consumer and makes another.
        const boundMs = this.options.startTimeoutMs ?? 60_000;
        await withDeadline(
          this.launch(),
          boundMs,
          () => new Error(`consumer did not start within ${boundMs} ms`),
        );
        // stop() gave up waiting for this restart: the consumer it made must not outlive it.
        if (this.stopping) return await this.dropConsumer();
        metrics?.restarted?.();
        log.info({ consumer: name, attempt }, 'consumer re-created');
        return;
      } catch (e) {
        log.warn({ err: e, consumer: name, attempt }, 'consumer restart failed; trying again');
      }
    }
  }

  /**
   * The group is rebalancing and this member is about to join it again, giving up its partitions
   * (onRejoin): the work it read finishes, up to handOverTimeoutMs, and is committed. What is
   * still unfinished then goes to the partition's next owner, as before.
   */
  private async handOver(consumer: Consumer): Promise<void> {
    if (consumer !== this.consumer || this.stopping) return;
    const { log, name, handOverTimeoutMs } = this.options;
    const started = Date.now();
    const pending = this.work.pendingCount;
    this.handingOver = true;
    try {
      await this.work.drain(handOverTimeoutMs ?? HAND_OVER_TIMEOUT_MS);
      await this.bounded(this.commit(), 'commit before rejoining');
      log.info(
        {
          consumer: name,
          pending,
          unfinished: this.work.pendingCount,
          ms: Date.now() - started,
        },
        'group rebalancing: work read finished and committed before rejoining',
      );
    } catch (e) {
      log.warn({ err: e, consumer: name }, 'commit before rejoining failed');
    } finally {
      this.handingOver = false;
    }
  }

  private async dropConsumer(): Promise<void> {
    this.removeHandOver?.();
    this.removeHandOver = undefined;
    const consumer = this.consumer;
    this.consumer = undefined;
    this.generation++;
    if (consumer) await this.bounded(consumer.disconnect(), 'disconnect').catch(() => undefined);
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const { topic, partition } = batch;
    const key = partitionKey(topic, partition);
    if (this.stopping || this.handingOver || this.holds.isHeld(key)) return;
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
      if (!isRunning() || isStale() || this.stopping || this.handingOver) break;
      handedOut++;
      const offset = BigInt(message.offset);
      // Already accepted before a seek, a rebalance or a restart re-read it.
      if (progress.hasAccepted(offset)) {
        resolveOffset(message.offset);
        continue;
      }
      const due = o.dueAt?.(message, topic);
      if (due !== undefined && due > Date.now()) {
        this.holds.holdUntil(topic, partition, message.offset, due);
        handedOut--;
        break;
      }
      this.work.start(progress, topic, partition, message);
      resolveOffset(message.offset);
    }
    // Capacity is checked once per batch, not per message: the batch is in memory already, and
    // pausing in its middle makes kafkajs fetch and decompress the rest of it again after the
    // resume — under sustained overload that refetching cost more CPU than the work. The limits
    // are therefore soft: at most one batch (maxBytesPerPartition) over, per partition.
    if (!waitForRoom && !this.holds.isWaitingForDue(key) && this.full(progress)) {
      this.holds.holdForCapacity(topic, partition);
    }
    o.metrics?.pending?.(this.work.pendingWeight);
    if (handedOut === batch.messages.length && handedOut > 0)
      o.onReadTo?.(topic, partition, batch.lastOffset());
    await heartbeat();
  }

  private full(progress: PartitionProgress): boolean {
    const o = this.options;
    return (
      progress.pendingWeight >= o.maxPendingPerPartition ||
      this.work.pendingWeight >= o.maxPendingTotal
    );
  }

  /** Waits, heartbeating, until the partition and the consumer are below their limits again. */
  private async roomFor(
    progress: PartitionProgress,
    { heartbeat, isRunning, isStale }: EachBatchPayload,
  ): Promise<void> {
    const beatEveryMs = this.heartbeatMs;
    while (
      this.full(progress) &&
      isRunning() &&
      !isStale() &&
      !this.stopping &&
      !this.handingOver
    ) {
      await this.work.nextFinished(beatEveryMs);
      await heartbeat();
    }
  }

  /** Resumes partitions held for capacity once their work (and the consumer's) has half drained. */
  private maybeResume(): void {
    const o = this.options;
    if (this.holds.heldForCapacity === 0 || this.stopping) return;
    if (this.work.pendingWeight >= o.maxPendingTotal * 0.75) return;
    this.holds.releaseCapacity(
      (key) => (this.progress.get(key)?.pendingWeight ?? 0) < o.maxPendingPerPartition / 2,
    );
  }

  private onAssignment(assignment: Record<string, number[]>): void {
    const next = new Set<string>();
    const byTopic: Record<string, number[]> = {};
    for (const topic of this.options.topics) {
      byTopic[topic] = [...(assignment[topic] ?? [])].sort((a, b) => a - b);
      for (const partition of byTopic[topic]) next.add(partitionKey(topic, partition));
    }
    // Work of a partition now owned elsewhere still finishes here, but its offsets are no longer
    // committed by this process: the new owner starts from the last commit (and may repeat it).
    for (const key of [...this.progress.keys()]) if (!next.has(key)) this.progress.delete(key);
    this.holds.reassigned(byTopic, next);
    this.assigned = next;
    this.assignedByTopic = byTopic;
    this.setJoined(true);
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
      if (dead && consumer === this.consumer && !this.stopping) {
        void this.restart();
      }
    }
  }

  private setJoined(joined: boolean): void {
    if (this.joined && !joined) this.lastHealthyAt = Date.now();
    this.joined = joined;
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
    this.holds.clear();
    this.wakeRestart?.();
    this.work.wakeWaiters();
    if (this.restarting) await this.bounded(this.restarting, 'restart').catch(() => undefined);
    const consumer = this.consumer;
    this.safely(() => consumer?.pause(this.options.topics.map((topic) => ({ topic }))));
    await this.work.drain(this.options.drainTimeoutMs);
    await this.bounded(this.commit(), 'final commit').catch((e) =>
      this.options.log.warn({ err: e, consumer: this.options.name }, 'final commit failed'),
    );
    this.setJoined(false);
    await this.dropConsumer();
  }
}
