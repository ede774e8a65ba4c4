import {
  CompressionTypes,
  type Kafka,
  type Message,
  type Producer,
  type TopicMessages,
} from 'kafkajs';
import type { RunnerLogger } from './consumer-runner.types';
import { withDeadline } from './deadline';
import { KeyHashPartitioner } from './key-partitioner';
import { MicroBatcher } from './micro-batcher';

export interface OutgoingMessage {
  topic: string;
  message: Message;
  /** Approximate size before compression, to bound produce requests; estimated when absent. */
  bytes?: number;
}

export interface BatchingProducerOptions {
  /**
   * Bytes (before compression) per produce request at most. 1 MiB keeps every partition's batch
   * under the broker's default message.max.bytes whatever the spread of keys.
   */
  maxRequestBytes?: number;
  maxRequestMessages?: number;
  /** How long the first send waits for others to share its request (default 1 ms). */
  lingerMs?: number;
  /** Every request waits out the linger, not only the first after a pause (MicroBatcher). */
  lingerEveryRequest?: boolean;
  /** Codec of requests of at least `compressFromBytes` (default lz4). */
  compression?: CompressionTypes;
  /** Requests smaller than this (before compression) go uncompressed (requestCompression). */
  compressFromBytes?: number;
  /** Delay between attempts of a failed request: initialMs doubling up to maxMs (100 ms, 5 s). */
  retryBackoff?: { initialMs?: number; maxMs?: number };
  /** How long close() still tries to send what is queued before rejecting it (default 5 s). */
  closeTimeoutMs?: number;
  log?: RunnerLogger;
}

/** The rejection of a send that the producer gave up on because it was closed. */
export class ProducerClosedError extends Error {
  constructor(message = 'the producer is closed', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProducerClosedError';
  }
}

/**
 * The broker refused a message as larger than its topic takes (`max.message.bytes`): sending it
 * again cannot succeed, so it is not retried; the caller decides what becomes of it.
 */
export class MessageTooLargeError extends Error {
  constructor(
    readonly topic: string,
    readonly bytes: number,
    options?: { cause?: unknown },
  ) {
    super(`a message of about ${bytes} bytes is larger than topic ${topic} takes`, options);
    this.name = 'MessageTooLargeError';
  }

  /** The refusal as a dead letter's reason (`too_large: …`), the same from every service. */
  get reason(): string {
    return `too_large: a message of about ${this.bytes} bytes is more than ${this.topic} takes (max.message.bytes)`;
  }
}

/** Kafka's answers to a record batch over max.message.bytes (or a request over its limit). */
const SIZE_REFUSALS = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);

/**
 * Kafka's answers when it and the producer disagree on the sequence numbers of a producer id:
 * the same batches sent again under that id are refused forever (kafkajs does not start over).
 */
const SEQUENCE_DESYNCS = new Set(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID']);

const errorType = (e: unknown): string => (e as { type?: string })?.type ?? '';
const isSizeRefusal = (e: unknown): boolean => SIZE_REFUSALS.has(errorType(e));

const HEADER_ALLOWANCE = 256;

/** Below this many bytes (before compression) a produce request goes uncompressed. */
export const COMPRESS_FROM_BYTES = 16 * 1024;

/**
 * The codec of one produce request: `codec` from `compressFromBytes` up, none below. At a trickle a
 * request holds a few small messages: compressing them saves few bytes on the wire and costs a
 * codec run here, the broker's decompression to validate the batch and every consumer's
 * decompression, per request.
 */
export function requestCompression(
  bytes: number,
  codec: CompressionTypes,
  compressFromBytes = COMPRESS_FROM_BYTES,
): CompressionTypes {
  return bytes >= compressFromBytes ? codec : CompressionTypes.None;
}

/**
 * The one Kafka producer of the apps: idempotent, acks=all, one request in flight (a retried
 * request can neither duplicate nor reorder), keys hashed like the Java client. Concurrent sends
 * are gathered into shared produce requests of bounded size; `send` resolves once the broker
 * acknowledged its messages.
 *
 * Failure policy: a failed request is retried, in order, with capped backoff, until it succeeds
 * or the producer is closed; later sends queue behind it, so per-key order holds. A refusal for
 * size is the exception, since it would repeat forever: the request is sent again in halves, and
 * the message refused alone rejects with MessageTooLargeError. A request refused for its sequence
 * numbers is retried under a new producer id (see renewProducer). close() stops
 * taking sends, tries what is queued for at most `closeTimeoutMs`, then rejects whatever is left
 * with ProducerClosedError: shutdown with Kafka down ends within that bound.
 */
export class BatchingProducer {
  private producer: Producer;
  private readonly batcher: MicroBatcher<OutgoingMessage>;
  private readonly compression: CompressionTypes;
  private connecting?: Promise<void>;
  private closed = false;
  private closing?: Promise<void>;
  /** Set when close() gives up: rejects the request in flight and every one after it. */
  private abandoned = false;
  private readonly onAbandon: (() => void)[] = [];

  constructor(
    private readonly kafka: Kafka,
    private readonly options: BatchingProducerOptions = {},
  ) {
    // LZ4 (native, KIP-57 frames, read by every Kafka client): compressing a batch of 100 tasks
    // took ~6x less CPU than gzip here (32 µs against 200 µs), and the broker, which decompresses
    // every batch to validate it, pays less too.
    this.compression = options.compression ?? CompressionTypes.LZ4;
    this.producer = newProducer(kafka);
    this.batcher = new MicroBatcher((items) => this.request(items), {
      maxItems: options.maxRequestMessages ?? 10_000,
      maxBytes: options.maxRequestBytes ?? 1024 * 1024,
      lingerMs: options.lingerMs ?? 1,
      lingerEveryBatch: options.lingerEveryRequest ?? false,
    });
  }

  /** Connects now; otherwise the first request connects (and retries like any request). */
  connect(): Promise<void> {
    this.connecting ??= this.producer.connect().catch((e: unknown) => {
      this.connecting = undefined;
      throw e;
    });
    return this.connecting;
  }

  /** Queues the messages for `topic`; resolves once Kafka acknowledged all of them. */
  send(topic: string, messages: Message | Message[]): Promise<void> {
    const list = Array.isArray(messages) ? messages : [messages];
    return this.sendAll(list.map((message) => ({ topic, message })));
  }

  /** Queues messages of any topics, in this order; resolves once Kafka acknowledged all of them. */
  sendAll(messages: OutgoingMessage[]): Promise<void> {
    if (this.closed) return Promise.reject(new ProducerClosedError());
    if (messages.length === 0) return Promise.resolve();
    return this.batcher.add(
      messages.map((item) => ({ item, bytes: item.bytes ?? estimateBytes(item.message) })),
    );
  }

  /** Messages queued and not yet sent. */
  get queued(): number {
    return this.batcher.pending;
  }

  /** Sends what is queued (for at most closeTimeoutMs), rejects the rest, and disconnects. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    const ms = this.options.closeTimeoutMs ?? 5000;
    const giveUp = setTimeout(() => this.abandon(), ms);
    await this.batcher.drain().catch(() => undefined);
    clearTimeout(giveUp);
    this.abandon();
    if (this.connecting) {
      await withDeadline(
        this.producer.disconnect(),
        Math.min(ms, 2000),
        () => new Error('producer disconnect timed out'),
      ).catch(() => undefined);
    }
  }

  private abandon(): void {
    this.abandoned = true;
    for (const reject of this.onAbandon.splice(0)) reject();
  }

  /**
   * One produce request, retried until acknowledged or abandoned; resolves with the refusals of
   * messages too large for their topic, if any (see MicroBatcher).
   */
  private async request(items: OutgoingMessage[]): Promise<void | unknown[]> {
    const { retryBackoff, log } = this.options;
    for (let attempt = 0; ; attempt++) {
      if (this.abandoned) throw new ProducerClosedError();
      try {
        await this.untilAbandoned(this.produce(items));
        return;
      } catch (e) {
        if (this.abandoned) throw new ProducerClosedError(undefined, { cause: e });
        if (isSizeRefusal(e)) return this.split(items, e);
        log?.warn({ err: e, messages: items.length, attempt }, 'produce failed; retrying');
        if (SEQUENCE_DESYNCS.has(errorType(e))) await this.renewProducer();
        const delay = Math.min(
          retryBackoff?.maxMs ?? 5000,
          (retryBackoff?.initialMs ?? 100) * 2 ** Math.min(attempt, 20),
        );
        await this.untilAbandoned(new Promise((r) => setTimeout(r, delay))).catch(() => undefined);
      }
    }
  }

  /**
   * A request refused for size, sent again in halves, in order, down to the refused message
   * alone, which fails; the others go. The partitions whose batches the broker took are sent
   * again, as after any failed request (at least once).
   */
  private async split(items: OutgoingMessage[], refusal: unknown): Promise<unknown[]> {
    if (items.length === 1) {
      const [{ topic, message, bytes }] = items as [OutgoingMessage];
      const error = new MessageTooLargeError(topic, bytes ?? estimateBytes(message), {
        cause: refusal,
      });
      this.options.log?.warn({ topic, bytes: error.bytes }, error.message);
      return [error];
    }
    await this.renewProducer();
    const half = Math.ceil(items.length / 2);
    const refused: unknown[] = [];
    for (const part of [items.slice(0, half), items.slice(half)]) {
      refused.push(...((await this.request(part)) ?? Array<undefined>(part.length)));
    }
    return refused;
  }

  /**
   * A producer with a new id in place of the current one, whose sequence numbers the broker and
   * kafkajs no longer agree on. After a request refused for size, for one: the broker took the
   * batches of its other partitions, kafkajs did not count them, and sent again in other batches
   * under the same id they would be refused as out of order forever. Under a new id they are
   * taken (again: at least once).
   */
  private async renewProducer(): Promise<void> {
    const old = this.producer;
    this.producer = newProducer(this.kafka);
    this.connecting = undefined;
    await withDeadline(
      old.disconnect(),
      2000,
      () => new Error('producer disconnect timed out'),
    ).catch(() => undefined);
  }

  private async produce(items: OutgoingMessage[]): Promise<void> {
    await this.connect();
    let bytes = 0;
    for (const item of items) bytes += item.bytes ?? estimateBytes(item.message);
    await this.producer.sendBatch({
      acks: -1,
      compression: requestCompression(bytes, this.compression, this.options.compressFromBytes),
      topicMessages: byTopic(items),
    });
  }

  /** `work`, or a rejection as soon as close() gives up (the request's outcome is then unknown). */
  private untilAbandoned<T>(work: Promise<T>): Promise<T> {
    if (this.abandoned) return Promise.reject(new ProducerClosedError());
    return new Promise<T>((resolve, reject) => {
      const onAbandon = () => reject(new ProducerClosedError());
      this.onAbandon.push(onAbandon);
      const done = () => {
        const i = this.onAbandon.indexOf(onAbandon);
        if (i >= 0) this.onAbandon.splice(i, 1);
      };
      work.then(
        (value) => {
          done();
          resolve(value);
        },
        (e: unknown) => {
          done();
          reject(e);
        },
      );
    });
  }
}

function newProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: KeyHashPartitioner,
  });
}

function estimateBytes(message: Message): number {
  const size = (v: Message['value'] | Message['key']) =>
    v == null ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.length;
  return size(message.value) + size(message.key) + HEADER_ALLOWANCE;
}

function byTopic(items: OutgoingMessage[]): TopicMessages[] {
  const topics = new Map<string, Message[]>();
  for (const { topic, message } of items) {
    const list = topics.get(topic);
    if (list) list.push(message);
    else topics.set(topic, [message]);
  }
  return [...topics].map(([topic, messages]) => ({ topic, messages }));
}
