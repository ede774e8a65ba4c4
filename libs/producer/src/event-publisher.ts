import { ROOT_CONTEXT, context } from '@opentelemetry/api';
import { CompressionTypes, logLevel, type Kafka, type Message, type Producer } from 'kafkajs';
import type { KafkaSecurity } from '@hookline/config';
import {
  KafkaHeaders,
  topicNames,
  type EventData,
  type EventEnvelope,
  type ProducerEventType,
} from '@hookline/contracts';
import {
  MicroBatcher,
  createKafka,
  extractTraceContext,
  injectTraceHeaders,
  requestCompression,
  withDeadline,
} from '@hookline/kafka';
import { prepareEvent, type PublishOptions } from './envelope-builder';
import { BrokerUnavailableError } from './publish-errors';

export interface EventPublisherOptions {
  brokers: string[];
  clientId: string;
  /** TLS and SASL to the brokers (the configuration's `kafkaSecurity`). */
  security?: KafkaSecurity;
  /** HOOKLINE_TOPIC_PREFIX: events go to `${topicPrefix}hookline.events`. */
  topicPrefix?: string;
  /**
   * How long the first event after a pause waits for company (default 5 ms). Events that arrive
   * while a request is in flight (one at a time) go in the next one at once, so this holds only the
   * first after a pause, and a caller waits for Kafka's acknowledgement through it. A steady stream
   * batches better with it (at 2,000 events/s, 1 ms cost Kafka ~15 % and the fan-out ~8 % more
   * CPU: smaller record batches, each fetched and routed on its own); callers that each wait for
   * their answer before sending again, like HTTP ingest's, are held by it every round (see the
   * registry's publisher, which uses 1 ms).
   */
  lingerMs?: number;
  /** Events per produce request at most (default 1000). */
  maxBatchSize?: number;
  /** Bytes per produce request at most, before compression (default 1 MiB). */
  maxBatchBytes?: number;
  /** Bound on connecting to the cluster (default 10 s); then BrokerUnavailableError. */
  connectTimeoutMs?: number;
  /** Bound on one produce request until acks=all (default 15 s); then BrokerUnavailableError. */
  sendTimeoutMs?: number;
  /** Codec of requests of 16 KiB and more (default lz4; every Hookline consumer reads all codecs); smaller ones go as they are. */
  compression?: 'lz4' | 'gzip' | 'none';
  logLevel?: logLevel;
}

const COMPRESSION = {
  lz4: CompressionTypes.LZ4,
  gzip: CompressionTypes.GZIP,
  none: CompressionTypes.None,
} as const;

/** One event of `publishMany`, typed by its `type`. */
export type PublishInput = {
  [T in ProducerEventType]: { type: T; data: EventData<T> } & PublishOptions;
}[ProducerEventType];

/** A validated envelope ready to send, with headers captured earlier (the outbox relay's case). */
export interface PreparedEvent {
  envelope: EventEnvelope;
  /** The envelope already serialized (saves serializing it again). */
  json?: string;
  headers?: Record<string, string>;
}

/**
 * Publishes domain events to `hookline.events`: validated against the catalog, keyed by project id,
 * through an idempotent producer with acks=all, lz4-compressed and batched. Each event carries
 * its caller's trace in `traceparent` (the active span's, or that of the headers given); when
 * exporting, the kafkajs instrumentation (startTracing) makes the PRODUCER span of each message a
 * child of that trace. An event published outside any trace carries none.
 */
export class EventPublisher {
  readonly topic: string;
  private readonly kafka: Kafka;
  private readonly batcher: MicroBatcher<Message>;
  private producer?: Promise<Producer>;
  private closed = false;

  constructor(private readonly options: EventPublisherOptions) {
    this.topic = topicNames(options.topicPrefix ?? '').events;
    this.kafka = createKafka({
      brokers: options.brokers,
      clientId: options.clientId,
      security: options.security,
      logLevel: options.logLevel,
      // Connecting gives up after ~1 s of refused connections (the caller gets its error early and
      // no retry loop outlives it); sends keep their own, longer policy below.
      retry: { retries: 3 },
    });
    this.batcher = new MicroBatcher((batch) => this.sendBatch(batch), {
      maxItems: options.maxBatchSize ?? 1000,
      maxBytes: options.maxBatchBytes ?? 1024 * 1024,
      lingerMs: options.lingerMs ?? 5,
    });
  }

  /** Validates and publishes one event; resolves with its id once Kafka acknowledged it. */
  async publish<T extends ProducerEventType>(
    type: T,
    data: EventData<T>,
    options: PublishOptions,
  ): Promise<{ id: string }> {
    const [result] = await this.publishMany([{ type, data, ...options } as PublishInput]);
    return result!;
  }

  /**
   * Validates every event first (one bad event publishes none), then publishes them in order;
   * resolves once all are acknowledged.
   */
  async publishMany(events: PublishInput[]): Promise<{ id: string }[]> {
    const prepared = events.map(({ type, data, ...options }) => prepareEvent(type, data, options));
    await this.publishPrepared(prepared);
    return prepared.map((e) => ({ id: e.envelope.id }));
  }

  /**
   * Publishes envelopes validated earlier, in order. With `headers` the span continues the trace
   * they carry; otherwise the active one.
   */
  async publishPrepared(events: PreparedEvent[]): Promise<void> {
    if (this.closed) throw new BrokerUnavailableError('the publisher is disconnected');
    await this.batcher.add(
      events.map((e) => {
        const message = this.toMessage(e);
        return { item: message, bytes: message.value!.length + String(message.key).length };
      }),
    );
  }

  /** Connects now rather than on the first publish (fails fast at boot). */
  async connect(): Promise<void> {
    await this.connected();
  }

  /** Sends what is queued, then disconnects. */
  async disconnect(): Promise<void> {
    await this.batcher.drain();
    this.closed = true;
    await this.resetProducer();
  }

  private toMessage({ envelope, json, headers }: PreparedEvent): Message {
    // Stored headers carry the trace of the code that created the event, not of whoever relays it.
    const parent = headers ? extractTraceContext(headers, ROOT_CONTEXT) : context.active();
    const traceHeaders = injectTraceHeaders({}, parent) as Record<string, string>;
    return {
      key: envelope.project_id,
      value: Buffer.from(json ?? JSON.stringify(envelope)),
      headers: { ...headers, ...traceHeaders, [KafkaHeaders.eventType]: envelope.event },
    };
  }

  private async sendBatch(batch: Message[]): Promise<void> {
    const producer = await this.connected();
    const timeoutMs = this.options.sendTimeoutMs ?? 15_000;
    try {
      await withDeadline(
        producer.sendBatch({
          acks: -1,
          timeout: timeoutMs,
          compression: requestCompression(
            batchBytes(batch),
            COMPRESSION[this.options.compression ?? 'lz4'],
          ),
          topicMessages: [{ topic: this.topic, messages: batch }],
        }),
        timeoutMs,
        () =>
          new BrokerUnavailableError(
            `no acknowledgement from Kafka (${this.options.brokers.join(',')}) within ${timeoutMs} ms`,
          ),
      );
    } catch (e) {
      // The producer may be stuck retrying a dead broker: start over with a fresh one next time.
      await this.resetProducer();
      throw e instanceof BrokerUnavailableError
        ? e
        : new BrokerUnavailableError(
            `publishing to ${this.topic} failed: ${(e as Error).message}`,
            { cause: e },
          );
    }
  }

  private connected(): Promise<Producer> {
    this.producer ??= this.openProducer().catch((e) => {
      this.producer = undefined;
      throw e;
    });
    return this.producer;
  }

  private async openProducer(): Promise<Producer> {
    // Idempotent with one request in flight: retries cannot duplicate or reorder a partition.
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      retry: { retries: 8 },
    });
    const timeoutMs = this.options.connectTimeoutMs ?? 10_000;
    try {
      await withDeadline(
        producer.connect(),
        timeoutMs,
        () =>
          new BrokerUnavailableError(
            `cannot reach Kafka at ${this.options.brokers.join(',')} within ${timeoutMs} ms`,
          ),
      );
      return producer;
    } catch (e) {
      void producer.disconnect().catch(() => undefined);
      throw e instanceof BrokerUnavailableError
        ? e
        : new BrokerUnavailableError(
            `cannot reach Kafka at ${this.options.brokers.join(',')}: ${(e as Error).message}`,
            {
              cause: e,
            },
          );
    }
  }

  private async resetProducer(): Promise<void> {
    const current = this.producer;
    this.producer = undefined;
    const producer = await current?.catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
  }
}

export function createEventPublisher(options: EventPublisherOptions): EventPublisher {
  return new EventPublisher(options);
}

function batchBytes(batch: Message[]): number {
  let bytes = 0;
  for (const m of batch) bytes += (m.value as Buffer).length + String(m.key).length;
  return bytes;
}
