import type { IHeaders, Kafka, KafkaMessage } from 'kafkajs';

export interface ConsumedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: IHeaders;
}

export interface HandlerContext {
  /** The message as kafkajs read it (key as bytes, timestamp, …). */
  readonly kafkaMessage: KafkaMessage;
  /**
   * How much this message's unfinished work counts toward the pending limits (default 1), e.g. the
   * bytes it produced. Read when the handler returns its promise, so call it before that.
   */
  setWeight(units: number): void;
}

/** What to do with a message whose handler failed: run it again (after a backoff), or give up. */
export type HandlerErrorDecision = 'retry' | 'skip';

export interface BatchInfo {
  topic: string;
  partition: number;
  highWatermark: string;
  messages: number;
}

export type PauseReason = 'not_due' | 'capacity';

/** What a runner reports; the app binds it to its own metrics (labels and all). */
export interface ConsumerRunnerMetrics {
  /** Weight of the work read and not yet finished. */
  pending?(units: number): void;
  /** Partitions paused, by why. */
  paused?(why: PauseReason, partitions: number): void;
  /** The consumer was re-created after it died. */
  restarted?(): void;
}

export interface ConsumerHealth {
  /** Joined its group and fetching. */
  consuming: boolean;
  /** Last time it was consuming (now while it is); its start time if it never was. */
  lastHealthyAt: number;
  /** 0 while consuming (or not started, or stopping). */
  unhealthyForMs: number;
  /** False once it has been unable to consume for longer than `unhealthyAfterMs`. */
  live: boolean;
}

/** Minimal logger (pino's satisfies it). */
export interface RunnerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ConsumerRunnerOptions {
  /** Names the consumer in logs. */
  name: string;
  kafka: Kafka;
  groupId: string;
  topics: string[];
  /**
   * Does the work of one message; resolves once it is finished (delivered, or handed on). Called
   * in offset order per partition, without waiting for the previous message's work.
   */
  handle(message: ConsumedMessage, context: HandlerContext): Promise<void>;
  /** When a message of `topic` falls due (ms since epoch); undefined or past: now. */
  dueAt?(message: KafkaMessage, topic: string): number | undefined;
  /** Awaited before the messages of a non-empty batch are handed out; a failure fails the batch. */
  beforeBatch?(batch: BatchInfo): Promise<void>;
  /** Decides about a failed handler; default: retry, with backoff, until it succeeds or stop. */
  onHandlerError?(message: ConsumedMessage, error: unknown, failures: number): HandlerErrorDecision;
  /**
   * Every message of the partition up to `offset` (inclusive) has been handed to `handle` (not
   * necessarily finished). Also called for fetched batches holding only control records, which
   * are never handed out: where a partition's end is such a record, this is how a reader learns
   * it got there.
   */
  onReadTo?(topic: string, partition: number, offset: string): void;
  /** After every (re)assignment: partitions per topic owned now. */
  onAssignment?(assignment: Record<string, number[]>): void;
  /** Pending weight per partition before it is paused. */
  maxPendingPerPartition: number;
  /** Pending weight of this consumer before its partitions are paused. */
  maxPendingTotal: number;
  /**
   * What a partition over its limits does. 'pause' (default): the batch in hand is handed out
   * whole, then the partition is paused until its work has half drained; eachBatch never waits on
   * the work, so neither do heartbeats nor rebalances: for slow work (HTTP calls). 'wait': the
   * batch waits, heartbeating, before each message until there is room: a precise bound and no
   * refetching, for fast work (the fan-out waiting on producer acknowledgements).
   */
  whenFull?: 'pause' | 'wait';
  commitIntervalMs: number;
  /** How long stop() waits for unfinished work before leaving the group. */
  drainTimeoutMs: number;
  /**
   * How long a rebalance waits for unfinished work before this member joins again (default 3 s).
   * The whole group waits meanwhile, so it is short: work still unfinished then (an attempt at a
   * slow endpoint) is left to the partition's next owner, which may repeat it.
   */
  handOverTimeoutMs?: number;
  /** Bound of each of stop()'s final commit and disconnect (default 5 s). */
  disconnectTimeoutMs?: number;
  /**
   * Delay before re-creating a dead consumer: initialMs doubling up to maxMs (500 ms, 2 s). A
   * short cap: an attempt on a broker still down costs a few refused connections, while each wait
   * is time lost once it is back (up to 30 s, a consumer came back 7 s after a 20 s outage ended,
   * and as long after Kafka's restart in the chaos suite's kill-kafka).
   */
  restartBackoff?: { initialMs?: number; maxMs?: number };
  /**
   * A consumer the runner re-creates must start within this long, or the runner drops it and
   * makes another (default 60 s: above a join's rebalance wait).
   */
  startTimeoutMs?: number;
  /** Not consuming for longer than this makes `health().live` false (default 2 min). */
  unhealthyAfterMs?: number;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** Compressed bytes per partition and fetch: the most a batch can go over the limits by. */
  maxBytesPerPartition?: number;
  /**
   * How long a fetch waits at the broker for data (default 50 ms). New data answers a waiting fetch
   * at once, so a longer wait only saves idle polling — but kafkajs issues no fetch while every
   * partition is paused and sleeps this long instead, so a consumer that pauses when full or holds
   * messages until due resumes up to this late.
   */
  maxWaitMs?: number;
  /**
   * How long a fetch waits at the broker while none of the consumer's partitions is paused
   * (default: maxWaitMs): how often an idle consumer polls. While any partition is paused, fetches
   * wait maxWaitMs, so a resumed partition is read that soon (`long-poll-patch.ts`).
   */
  longPollMs?: number;
  partitionsConsumedConcurrently?: number;
  log: RunnerLogger;
  metrics?: ConsumerRunnerMetrics;
}
