import { CompressionTypes, type Kafka, type Message, type Producer } from 'kafkajs';
import { KeyHashPartitioner } from '@hookline/kafka';
import { MicroBatcher } from '@hookline/producer';

export interface OutgoingMessage {
  topic: string;
  message: Message;
  /** Approximate size before compression, to bound produce requests. */
  bytes: number;
}

export interface FanoutProducerOptions {
  /**
   * Bytes (before compression) per produce request at most. 1 MiB keeps every partition's batch
   * under the broker's default message.max.bytes whatever the spread of keys.
   */
  maxRequestBytes?: number;
  maxRequestMessages?: number;
  compression?: CompressionTypes;
}

/**
 * The idempotent, acks=all, compressed producer of delivery tasks and dead letters. Concurrent
 * sends (one per partition being consumed) are gathered into shared produce requests, one in
 * flight at a time, so the tasks of one webhook keep their order; `send` resolves once Kafka has
 * acknowledged every message given.
 */
export class FanoutProducer {
  private producer?: Producer;
  private readonly batcher: MicroBatcher<OutgoingMessage>;
  private readonly compression: CompressionTypes;

  constructor(
    private readonly kafka: Kafka,
    options: FanoutProducerOptions = {},
  ) {
    this.compression = options.compression ?? CompressionTypes.GZIP;
    this.batcher = new MicroBatcher((items) => this.sendBatch(items), {
      maxItems: options.maxRequestMessages ?? 10_000,
      maxBytes: options.maxRequestBytes ?? 1024 * 1024,
      lingerMs: 1,
    });
  }

  async connect(): Promise<void> {
    // Idempotent with one request in flight: a retried request can neither duplicate nor reorder.
    this.producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: KeyHashPartitioner,
    });
    await this.producer.connect();
  }

  send(messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    return this.batcher.add(messages.map((item) => ({ item, bytes: item.bytes })));
  }

  /** Sends what is queued, then disconnects. */
  async disconnect(): Promise<void> {
    await this.batcher.drain().catch(() => undefined);
    await this.producer?.disconnect();
    this.producer = undefined;
  }

  private async sendBatch(items: OutgoingMessage[]): Promise<void> {
    if (!this.producer) throw new Error('the fan-out producer is not connected');
    const byTopic = new Map<string, Message[]>();
    for (const { topic, message } of items) {
      let messages = byTopic.get(topic);
      if (!messages) byTopic.set(topic, (messages = []));
      messages.push(message);
    }
    await this.producer.sendBatch({
      acks: -1,
      compression: this.compression,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
  }
}
