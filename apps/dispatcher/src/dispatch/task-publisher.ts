import {
  CompressionTypes,
  type Kafka,
  type Message,
  type Producer,
  type TopicMessages,
} from 'kafkajs';
import { MicroBatcher } from '@hookline/producer';
import type { Logger } from '@hookline/telemetry';

interface Outgoing {
  topic: string;
  message: Message;
}

/**
 * The dispatcher's writes to Kafka (retry tiers, the DLQ, operational events): an idempotent
 * producer with acks=all, concurrent sends gathered into one request. `send` resolves once the
 * broker acknowledged, which is when the consumer may count the task as handed over. A failed
 * request is retried, in order, until it succeeds or the publisher is closed.
 */
export class TaskPublisher {
  private readonly producer: Producer;
  private readonly batcher: MicroBatcher<Outgoing>;
  private closed = false;

  constructor(
    kafka: Kafka,
    private readonly log: Logger,
    options: { lingerMs?: number; retryDelayMs?: number } = {},
  ) {
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    const retryDelayMs = options.retryDelayMs ?? 500;
    this.batcher = new MicroBatcher<Outgoing>(
      async (items) => {
        for (;;) {
          try {
            await this.producer.sendBatch({
              acks: -1,
              compression: CompressionTypes.GZIP,
              topicMessages: byTopic(items),
            });
            return;
          } catch (e) {
            if (this.closed) throw e;
            this.log.error({ err: e, messages: items.length }, 'produce failed; retrying');
            await new Promise((r) => setTimeout(r, retryDelayMs));
          }
        }
      },
      { maxItems: 1000, maxBytes: 1024 * 1024, lingerMs: options.lingerMs ?? 2 },
    );
  }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  send(topic: string, message: Message): Promise<void> {
    const bytes =
      (typeof message.value === 'string' ? message.value.length : (message.value?.length ?? 0)) +
      256;
    return this.batcher.add([{ item: { topic, message }, bytes }]);
  }

  async close(): Promise<void> {
    await this.batcher.drain().catch(() => undefined);
    this.closed = true;
    await this.producer.disconnect().catch(() => undefined);
  }
}

function byTopic(items: Outgoing[]): TopicMessages[] {
  const topics = new Map<string, Message[]>();
  for (const { topic, message } of items) {
    const list = topics.get(topic);
    if (list) list.push(message);
    else topics.set(topic, [message]);
  }
  return [...topics].map(([topic, messages]) => ({ topic, messages }));
}
