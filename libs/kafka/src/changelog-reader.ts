import { randomBytes } from 'node:crypto';
import type { Consumer, IHeaders, Kafka } from 'kafkajs';
import { ChangelogSync } from './changelog-sync';
import { settledTopicOffsets } from './topic-admin';

export interface ChangelogRecordMeta {
  partition: number;
  offset: string;
  headers?: IHeaders;
}

export interface ChangelogReaderOptions {
  kafka: Kafka;
  topic: string;
  /** Names the consumer group (`<groupPrefix>.<random>`); every process reads the whole topic. */
  groupPrefix: string;
  /** Called in offset order per partition; value null is a tombstone (a delete). */
  onRecord: (key: string, value: Buffer | null, meta: ChangelogRecordMeta) => void | Promise<void>;
}

/**
 * Reads a compacted topic from the beginning to rebuild a view (every process holds the whole
 * view, so each uses a consumer group of its own and never relies on committed offsets), then
 * keeps following it. `caughtUp` resolves once the reader has reached the end offsets that
 * existed when it started: from then on the view is as fresh as the topic.
 */
export class ChangelogReader {
  readonly groupId: string;
  readonly caughtUp: Promise<void>;
  private markCaughtUp!: () => void;
  private caught = false;
  private consumer?: Consumer;
  /** Partition → end offset (exclusive) still to reach before the view counts as caught up. */
  private pending = new Map<number, bigint>();
  /** Partition → the offset after the last record applied. */
  private readonly applied = new Map<number, bigint>();
  private readonly syncWaiters: { targets: Map<number, bigint>; resolve: () => void }[] = [];
  /** sync() of this reader alone; readers synced together share a ChangelogSync instead. */
  private ownSync?: ChangelogSync;

  constructor(private readonly options: ChangelogReaderOptions) {
    this.groupId = `${options.groupPrefix}.${randomBytes(6).toString('hex')}`;
    this.caughtUp = new Promise((resolve) => (this.markCaughtUp = resolve));
  }

  get isCaughtUp(): boolean {
    return this.caught;
  }

  get topic(): string {
    return this.options.topic;
  }

  async start(): Promise<void> {
    const { kafka, topic } = this.options;
    const admin = kafka.admin();
    await admin.connect();
    try {
      for (const p of await settledTopicOffsets(admin, topic)) {
        if (BigInt(p.high) > BigInt(p.low)) this.pending.set(p.partition, BigInt(p.high));
      }
    } finally {
      await admin.disconnect();
    }
    this.checkCaughtUp();

    this.consumer = kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: 30_000,
      // A changelog is mostly quiet and a record answers a waiting fetch at once: a long wait costs
      // no freshness, while short polls cost the broker and this process CPU all day.
      maxWaitTimeInMs: 1000,
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
        for (const message of batch.messages) {
          await this.options.onRecord(message.key?.toString() ?? '', message.value, {
            partition: batch.partition,
            offset: message.offset,
            headers: message.headers,
          });
          resolveOffset(message.offset);
          this.applied.set(batch.partition, BigInt(message.offset) + 1n);
        }
        this.releaseSyncWaiters();
        await heartbeat();
        const target = this.pending.get(batch.partition);
        // The batch's high watermark also covers offsets compaction removed at the end.
        if (target !== undefined && BigInt(batch.lastOffset()) + 1n >= target) {
          this.pending.delete(batch.partition);
          this.checkCaughtUp();
        }
      },
    });
  }

  /**
   * Resolves once every record appended to the topic before this call has been applied: a
   * consumer of another topic calls it before acting on what it read, so that a change committed
   * before an event was published is seen by the time that event is handled. Concurrent callers
   * share one fetch of the end offsets.
   */
  sync(): Promise<void> {
    this.ownSync ??= new ChangelogSync(this.options.kafka, [this]);
    return this.ownSync.sync();
  }

  /** Resolves once the records below these end offsets (partition → offset) have been applied. */
  reached(targets: Map<number, bigint>): Promise<void> {
    return new Promise((resolve) => {
      this.syncWaiters.push({ targets, resolve });
      this.releaseSyncWaiters();
    });
  }

  private releaseSyncWaiters(): void {
    for (let i = this.syncWaiters.length - 1; i >= 0; i--) {
      const waiter = this.syncWaiters[i]!;
      // The active segment is never compacted, so the last record before `high` is always read.
      const reached = [...waiter.targets].every(
        ([partition, high]) => high === 0n || (this.applied.get(partition) ?? 0n) >= high,
      );
      if (reached) {
        this.syncWaiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }

  private checkCaughtUp() {
    if (!this.caught && this.pending.size === 0) {
      this.caught = true;
      this.markCaughtUp();
    }
  }

  async stop(): Promise<void> {
    await this.ownSync?.close();
    this.ownSync = undefined;
    const consumer = this.consumer;
    this.consumer = undefined;
    if (!consumer) return;
    await consumer.disconnect();
    // The group held no useful offsets; remove it so groups do not pile up across restarts.
    const admin = this.options.kafka.admin();
    try {
      await admin.connect();
      await admin.deleteGroups([this.groupId]);
    } catch {
      /* best effort */
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}
