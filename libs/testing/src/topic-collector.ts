import type { Consumer, Kafka } from 'kafkajs';
import { pollUntil } from './poll-until';
import { uniqueName } from './test-stack';

export interface CollectedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string;
  headers: Record<string, string>;
}

/**
 * Reads topics from the beginning into memory, so a test can assert what was published: which
 * messages, in which order per key, with which headers.
 */
export class TopicCollector {
  readonly messages: CollectedMessage[] = [];

  private constructor(private readonly consumer: Consumer) {}

  static async start(kafka: Kafka, topics: string[]): Promise<TopicCollector> {
    const consumer = kafka.consumer({ groupId: uniqueName('collector'), maxWaitTimeInMs: 100 });
    const collector = new TopicCollector(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) {
          const first = Array.isArray(value) ? value[0] : value;
          if (first !== undefined) headers[name] = first.toString();
        }
        collector.messages.push({
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString() ?? null,
          value: message.value?.toString() ?? '',
          headers,
        });
      },
    });
    return collector;
  }

  /** Messages whose key is `key`, in topic order. */
  byKey(key: string): CollectedMessage[] {
    return this.messages.filter((m) => m.key === key);
  }

  /** Values parsed as JSON, of messages with this key (all keys when omitted). */
  json<T = Record<string, unknown>>(key?: string): T[] {
    return (key === undefined ? this.messages : this.byKey(key)).map(
      (m) => JSON.parse(m.value) as T,
    );
  }

  /** Waits until `predicate` holds for the messages read so far. */
  async waitFor(
    predicate: (messages: CollectedMessage[]) => boolean,
    options: { timeoutMs?: number; message?: string } = {},
  ): Promise<CollectedMessage[]> {
    return pollUntil(() => (predicate(this.messages) ? this.messages : undefined), {
      timeoutMs: options.timeoutMs ?? 20_000,
      message: options.message ?? 'messages on the topic',
    });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect().catch(() => undefined);
  }
}
