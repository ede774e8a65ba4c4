import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { Topics } from '@hookline/contracts';
import {
  BatchingProducer,
  ConsumerRunner,
  withDeadline,
  type ConsumedMessage,
  type HandlerContext,
  type RunnerLogger,
  settledTopicOffsets,
} from '@hookline/kafka';
import { readDlqEntry, replayMessage, selects, type DlqEntry, type DlqFilter } from './dlq-entry';

export interface DlqReplayerOptions {
  kafka: Kafka;
  topics: Pick<Topics, 'deliveries' | 'deliveriesDlq'>;
  /** Prefix of the throwaway consumer group (with the topic prefix, so environments stay apart). */
  groupPrefix: string;
  /** Where the consumer's crashes and restarts are reported (default: nowhere). */
  log?: RunnerLogger;
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
 * kafkajs reads only through consumer groups, so the scan runs the shared ConsumerRunner in a
 * group of its own, deleted afterwards: the next run starts from the beginning again. The run
 * finishes once every partition was read to its end and every selected task acknowledged
 * (acks=all, idempotent producer); a consumer that dies meanwhile is re-created by the runner and
 * skips what it had already read. A run that fails part-way can be repeated, since receivers
 * deduplicate on the unchanged `webhook-id`.
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
    const producer = run.dryRun ? undefined : new BatchingProducer(kafka);
    const scan = new Scan(producer, topics, ends, run, result);
    const runner = new ConsumerRunner({
      name: 'dlq-replay',
      kafka,
      groupId,
      topics: [topics.deliveriesDlq],
      handle: (message, context) => scan.handle(message, context),
      onReadTo: (_topic, partition, offset) => scan.reached(partition, offset),
      maxPendingPerPartition: 1000,
      maxPendingTotal: 5000,
      // The group is thrown away: commits only spare a re-created consumer some re-reading.
      commitIntervalMs: 5000,
      drainTimeoutMs: 10_000,
      log: this.options.log ?? silent,
    });
    let failure: unknown;
    try {
      await producer?.connect();
      await runner.start();
      const timeout = () =>
        new Error(`the scan of ${topics.deliveriesDlq} did not finish within ${run.timeoutMs} ms`);
      const done = scan.start();
      await (run.timeoutMs === undefined ? done : withDeadline(done, run.timeoutMs, timeout));
    } catch (e) {
      failure = e;
    } finally {
      scan.close();
      // Waits (bounded) for the tasks in flight, so the counts below include what was published.
      await runner.stop();
      await producer?.close();
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
      for (const p of await settledTopicOffsets(admin, topic)) {
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

const silent: RunnerLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** One run: selects, publishes, settles when every partition is read to its end and published. */
class Scan {
  /** Partitions not yet read to their end offset. */
  private readonly remaining: Set<number>;
  /** Delivery ids selected so far: a delivery that died again after a replay is replayed once. */
  private readonly seen = new Set<string>();
  private publishing = 0;
  private settled = false;
  private resolve!: () => void;
  private reject!: (e: unknown) => void;
  private readonly done: Promise<void>;
  private readonly cleanups: (() => void)[] = [];

  constructor(
    private readonly producer: BatchingProducer | undefined,
    private readonly topics: Pick<Topics, 'deliveries' | 'deliveriesDlq'>,
    private readonly ends: ReadonlyMap<number, bigint>,
    private readonly run: ReplayRun,
    private readonly result: ReplayResult,
  ) {
    this.remaining = new Set(ends.keys());
    this.done = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.done.catch(() => undefined); // awaited by start()'s caller once the runner has started
  }

  start(): Promise<void> {
    const onAbort = () => {
      this.result.interrupted = true;
      this.settle();
    };
    this.run.signal?.addEventListener('abort', onAbort, { once: true });
    this.cleanups.push(() => this.run.signal?.removeEventListener('abort', onAbort));
    this.maybeDone();
    return this.done;
  }

  close(): void {
    this.settle();
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }

  /** Selects one dead letter; its work is finished once its task is acknowledged. */
  handle(message: ConsumedMessage, context: HandlerContext): Promise<void> {
    // What arrived after the start, or anything after the run settled, is not this run's business.
    if (this.settled || BigInt(message.offset) >= (this.ends.get(message.partition) ?? 0n))
      return Promise.resolve();
    this.result.scanned++;
    const entry = readDlqEntry(message.partition, context.kafkaMessage);
    if (!entry) {
      this.result.invalid++;
      return Promise.resolve();
    }
    if (!selects(this.run, entry)) return Promise.resolve();
    if (this.seen.has(entry.task.delivery_id)) {
      this.result.duplicates++;
      return Promise.resolve();
    }
    this.seen.add(entry.task.delivery_id);
    this.result.selected++;
    this.run.onSelected?.(entry);
    if (!this.producer) return Promise.resolve();
    this.publishing++;
    // Never rejected: a retried handler would publish the task twice. The producer retries a
    // failed request itself, until the run ends (timeout, abort) and closes it.
    return this.producer
      .send(this.topics.deliveries, replayMessage(entry))
      .then(
        () => void this.result.replayed++,
        (e: unknown) => this.settle(e),
      )
      .finally(() => {
        this.publishing--;
        this.maybeDone();
      });
  }

  reached(partition: number, lastOffset: string): void {
    if (BigInt(lastOffset) + 1n < (this.ends.get(partition) ?? 0n)) return;
    if (this.remaining.delete(partition)) this.maybeDone();
  }

  private maybeDone(): void {
    if (this.remaining.size === 0 && this.publishing === 0) this.settle();
  }

  private settle(error?: unknown): void {
    if (this.settled) return;
    this.settled = true;
    if (error === undefined) this.resolve();
    else this.reject(error);
  }
}
