import { randomBytes } from 'node:crypto';
import {
  CompressionTypes,
  type Consumer,
  type EachBatchPayload,
  type Kafka,
  type Message,
  type Producer,
} from 'kafkajs';
import type { Topics } from '@hookline/contracts';
import { KeyHashPartitioner, withDeadline } from '@hookline/kafka';
import { readDlqEntry, replayMessage, selects, type DlqEntry, type DlqFilter } from './dlq-entry';

export interface DlqReplayerOptions {
  kafka: Kafka;
  topics: Pick<Topics, 'deliveries' | 'deliveriesDlq'>;
  /** Prefix of the throwaway consumer group (with the topic prefix, so environments stay apart). */
  groupPrefix: string;
}

export interface ReplayRun extends DlqFilter {
  /** Select and count (and report through onSelected), publish nothing. */
  dryRun?: boolean;
  /** Each selected dead letter, in topic order per partition, before it is published. */
  onSelected?: (entry: DlqEntry) => void;
  /** Stops the scan after the batch in hand; the result then says `interrupted`. */
  signal?: AbortSignal;
  /** Fails the run when the scan has not finished by then. */
  timeoutMs?: number;
}

export interface ReplayResult {
  /** Dead letters read (those before the end offsets seen at the start). */
  scanned: number;
  /** Distinct deliveries the filter chose. */
  selected: number;
  /** Tasks acknowledged on hookline.deliveries (0 in a dry run). */
  replayed: number;
  /** Values that are not a valid delivery task: skipped. */
  invalid: number;
  /** Further dead letters of a delivery selected in this run (it died again after a replay). */
  duplicates: number;
  interrupted: boolean;
  /** Where the scan stopped: each partition holding dead letters at the start, its end then. */
  endOffsets: { partition: number; offset: string }[];
}

/** A replay that failed part-way; `result` says how far it got (what was published stays so). */
export class DlqReplayError extends Error {
  constructor(
    message: string,
    readonly result: ReplayResult,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DlqReplayError';
  }
}

/**
 * Replays dead letters: reads `hookline.deliveries.dlq` from the beginning up to the end offsets
 * it saw when it started, so it finishes even while new dead letters arrive, and republishes the
 * selected tasks to `hookline.deliveries` as fresh chains (see replayMessage).
 *
 * kafkajs reads only through consumer groups, so the scan uses a group of its own that commits
 * nothing and is deleted afterwards: the next run starts from the beginning again. Each batch's
 * tasks are acknowledged (acks=all, idempotent producer) before the next batch is read; a run
 * that fails part-way can be repeated, since receivers deduplicate on the unchanged `webhook-id`.
 */
export class DlqReplayer {
  constructor(private readonly options: DlqReplayerOptions) {}

  async replay(run: ReplayRun = {}): Promise<ReplayResult> {
    const result: ReplayResult = {
      scanned: 0,
      selected: 0,
      replayed: 0,
      invalid: 0,
      duplicates: 0,
      interrupted: false,
      endOffsets: [],
    };
    if (run.signal?.aborted) return { ...result, interrupted: true };
    const ends = await this.endOffsets();
    result.endOffsets = [...ends].map(([partition, end]) => ({
      partition,
      offset: end.toString(),
    }));
    if (ends.size === 0) return result;

    const { kafka, topics, groupPrefix } = this.options;
    const groupId = `${groupPrefix}.${randomBytes(6).toString('hex')}`;
    const consumer = kafka.consumer({
      groupId,
      maxWaitTimeInMs: 100,
      allowAutoTopicCreation: false,
    });
    const producer = run.dryRun
      ? undefined
      : kafka.producer({
          idempotent: true,
          maxInFlightRequests: 1,
          createPartitioner: KeyHashPartitioner,
        });
    const scan = new Scan(consumer, producer, topics, ends, run, result);
    let failure: unknown;
    try {
      await producer?.connect();
      await consumer.connect();
      await consumer.subscribe({ topics: [topics.deliveriesDlq], fromBeginning: true });
      const timeout = () =>
        new Error(`the scan of ${topics.deliveriesDlq} did not finish within ${run.timeoutMs} ms`);
      const done = scan.start();
      await (run.timeoutMs === undefined ? done : withDeadline(done, run.timeoutMs, timeout));
    } catch (e) {
      failure = e;
    } finally {
      scan.close();
      // Waits for the batch in hand, so the counts below include what it published.
      await consumer.disconnect().catch(() => undefined);
      await producer?.disconnect().catch(() => undefined);
      await this.deleteGroup(groupId);
    }
    if (failure !== undefined) {
      const reason = failure instanceof Error ? failure.message : String(failure);
      throw new DlqReplayError(
        `replay failed after ${result.replayed} of ${result.selected} selected: ${reason}`,
        result,
        { cause: failure },
      );
    }
    return result;
  }

  /** Partition → end offset (exclusive) of the partitions that hold dead letters now. */
  private async endOffsets(): Promise<Map<number, bigint>> {
    const topic = this.options.topics.deliveriesDlq;
    const admin = this.options.kafka.admin();
    await admin.connect();
    try {
      if (!(await admin.listTopics()).includes(topic))
        throw new Error(`topic ${topic} does not exist`);
      const ends = new Map<number, bigint>();
      for (const p of await admin.fetchTopicOffsets(topic)) {
        if (BigInt(p.high) > BigInt(p.low)) ends.set(p.partition, BigInt(p.high));
      }
      return ends;
    } finally {
      await admin.disconnect();
    }
  }

  /** The group never committed an offset; removing it keeps scans from piling up groups. */
  private async deleteGroup(groupId: string): Promise<void> {
    const admin = this.options.kafka.admin();
    try {
      await admin.connect();
      await admin.deleteGroups([groupId]);
    } catch {
      /* best effort: an empty group without offsets expires on its own */
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}

/** One run: selects, publishes batch by batch, settles when every partition is read to its end. */
class Scan {
  /** Partitions not yet read to their end offset. */
  private readonly remaining: Set<number>;
  /** Delivery ids selected so far: a delivery that died again after a replay is replayed once. */
  private readonly seen = new Set<string>();
  private settled = false;
  private resolve!: () => void;
  private reject!: (e: unknown) => void;
  private readonly cleanups: (() => void)[] = [];

  constructor(
    private readonly consumer: Consumer,
    private readonly producer: Producer | undefined,
    private readonly topics: Pick<Topics, 'deliveries' | 'deliveriesDlq'>,
    private readonly ends: ReadonlyMap<number, bigint>,
    private readonly run: ReplayRun,
    private readonly result: ReplayResult,
  ) {
    this.remaining = new Set(ends.keys());
  }

  start(): Promise<void> {
    const done = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    const { consumer } = this;
    // Fired after every batch, including those kafkajs never hands to eachBatch because they hold
    // only control records: the end offset of a partition may be such a record.
    this.cleanups.push(
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) =>
        this.reached(payload.partition, payload.lastOffset),
      ),
    );
    this.cleanups.push(
      consumer.on(consumer.events.CRASH, ({ payload }) => this.settle(payload.error)),
    );
    const onAbort = () => {
      this.result.interrupted = true;
      this.settle();
    };
    this.run.signal?.addEventListener('abort', onAbort, { once: true });
    this.cleanups.push(() => this.run.signal?.removeEventListener('abort', onAbort));
    consumer
      .run({ autoCommit: false, eachBatch: (payload) => this.batch(payload) })
      .catch((e: unknown) => this.settle(e));
    return done;
  }

  close(): void {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }

  private async batch({ batch, heartbeat }: EachBatchPayload): Promise<void> {
    if (this.settled) return;
    const end = this.ends.get(batch.partition) ?? 0n;
    const out: Message[] = [];
    for (const message of batch.messages) {
      if (BigInt(message.offset) >= end) break;
      this.result.scanned++;
      const entry = readDlqEntry(batch.partition, message);
      if (!entry) {
        this.result.invalid++;
        continue;
      }
      if (!selects(this.run, entry)) continue;
      if (this.seen.has(entry.task.delivery_id)) {
        this.result.duplicates++;
        continue;
      }
      this.seen.add(entry.task.delivery_id);
      this.result.selected++;
      this.run.onSelected?.(entry);
      out.push(replayMessage(entry));
    }
    if (out.length > 0 && this.producer) {
      try {
        await this.producer.send({
          topic: this.topics.deliveries,
          acks: -1,
          compression: CompressionTypes.GZIP,
          messages: out,
        });
      } catch (e) {
        // Settled here rather than thrown: kafkajs would retry the batch and publish it twice.
        this.settle(e);
        return;
      }
      this.result.replayed += out.length;
    }
    await heartbeat();
  }

  private reached(partition: number, lastOffset: string): void {
    if (BigInt(lastOffset) + 1n < (this.ends.get(partition) ?? 0n)) return;
    // What arrived after the start is not this run's business: stop fetching it.
    this.consumer.pause([{ topic: this.topics.deliveriesDlq, partitions: [partition] }]);
    if (this.remaining.delete(partition) && this.remaining.size === 0) this.settle();
  }

  private settle(error?: unknown): void {
    if (this.settled) return;
    this.settled = true;
    if (error === undefined) this.resolve();
    else this.reject(error);
  }
}
