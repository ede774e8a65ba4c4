import { randomBytes } from 'node:crypto';
import type { Consumer, IHeaders, Kafka } from 'kafkajs';

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

  constructor(private readonly options: ChangelogReaderOptions) {
    this.groupId = `${options.groupPrefix}.${randomBytes(6).toString('hex')}`;
    this.caughtUp = new Promise((resolve) => (this.markCaughtUp = resolve));
  }

  get isCaughtUp(): boolean {
    return this.caught;
  }

  async start(): Promise<void> {
    const { kafka, topic } = this.options;
    const admin = kafka.admin();
    await admin.connect();
    try {
      for (const p of await admin.fetchTopicOffsets(topic)) {
        if (BigInt(p.high) > BigInt(p.low)) this.pending.set(p.partition, BigInt(p.high));
      }
    } finally {
      await admin.disconnect();
    }
    this.checkCaughtUp();

    this.consumer = kafka.consumer({ groupId: this.groupId, sessionTimeout: 30_000, maxWaitTimeInMs: 100 });
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
        }
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

  private checkCaughtUp() {
    if (!this.caught && this.pending.size === 0) {
      this.caught = true;
      this.markCaughtUp();
    }
  }

  async stop(): Promise<void> {
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
