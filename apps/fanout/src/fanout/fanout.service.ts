import { CompressionTypes, type Consumer, type Kafka, type Message, type Producer } from 'kafkajs';
import type { Registry } from 'prom-client';
import { topicNames, topicSpecs, type Topics } from '@hookline/contracts';
import type { HooklineConfig } from '@hookline/config';
import { ChangelogReader, WebhookView, createKafka, ensureTopics } from '@hookline/kafka';
import { createLogger, type Logger } from '@hookline/telemetry';
import { EventRouter } from './event-router';
import { FanoutMetrics } from './fanout.metrics';
import { SubscriptionIndex } from './subscription-index';

/** Tasks per produce request: a 10,000-webhook fan-out goes out in a few requests, with heartbeats between. */
const PRODUCE_CHUNK = 2000;

/**
 * Consumes hookline.events and emits one delivery task per (event, matching active webhook) to
 * hookline.deliveries. Offsets are committed only after Kafka acknowledged the tasks of a batch,
 * so a crash repeats tasks (with the same delivery ids) but never loses one.
 */
export class FanoutService {
  readonly index = new SubscriptionIndex();
  readonly view = new WebhookView();
  private readonly kafka: Kafka;
  private readonly topics: Topics;
  private readonly log: Logger;
  private readonly metrics: FanoutMetrics;
  private readonly reader: ChangelogReader;
  private readonly router: EventRouter;
  private producer?: Producer;
  private consumer?: Consumer;
  private lagTimer?: NodeJS.Timeout;
  private consuming = false;

  constructor(
    private readonly config: HooklineConfig,
    registry: Registry,
  ) {
    this.kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'hookline-fanout' });
    this.topics = topicNames(config.HOOKLINE_TOPIC_PREFIX, config.HOOKLINE_RETRY_SCHEDULE.length);
    this.log = createLogger('fanout', config.HOOKLINE_LOG_LEVEL);
    this.metrics = new FanoutMetrics(registry);
    this.view.onChange((previous, next) => {
      this.index.apply((next ?? previous)!.id, next);
      this.metrics.indexSize.set(this.index.size);
    });
    this.reader = new ChangelogReader({
      kafka: this.kafka,
      topic: this.topics.webhooksChangelog,
      groupPrefix: `${config.HOOKLINE_TOPIC_PREFIX}hookline.fanout.changelog`,
      onRecord: (key, value) => this.view.apply(key, value),
    });
    this.router = new EventRouter(this.index, this.topics.events);
  }

  async start(): Promise<void> {
    await ensureTopics(this.kafka, topicSpecs(this.topics, this.config.HOOKLINE_TOPIC_PARTITIONS));
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 5 });
    await this.producer.connect();
    await this.reader.start();
    // Matching before the index holds every subscription would miss deliveries.
    await this.reader.caughtUp;
    this.log.info({ webhooks: this.index.size }, 'subscription index caught up');

    this.consumer = this.kafka.consumer({
      groupId: `${this.config.HOOKLINE_TOPIC_PREFIX}hookline.fanout`,
      sessionTimeout: 30_000,
      heartbeatInterval: 3000,
      maxWaitTimeInMs: 20,
      maxBytesPerPartition: 4 * 1024 * 1024,
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topics.events, fromBeginning: true });
    await this.consumer.run({
      eachBatchAutoResolve: false,
      autoCommit: true,
      autoCommitInterval: 1000,
      partitionsConsumedConcurrently: Math.max(1, this.config.HOOKLINE_TOPIC_PARTITIONS),
      eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
        if (!isRunning() || isStale() || batch.messages.length === 0) return;
        const routed = this.router.route(batch.partition, batch.messages);
        for (const s of routed.matchSeconds) this.metrics.matchSeconds.observe(s);
        await this.send(this.topics.deliveries, routed.tasks, heartbeat);
        await this.send(this.topics.eventsDlq, routed.deadLetters, heartbeat);
        if (routed.deadLetters.length) {
          this.metrics.eventsDeadLettered.inc(routed.deadLetters.length);
          this.log.warn({ count: routed.deadLetters.length, partition: batch.partition }, 'poison events sent to the DLQ');
        }
        this.metrics.eventsConsumed.inc(routed.events);
        this.metrics.tasksProduced.inc(routed.tasks.length);
        // Only now, with every task acknowledged, may the batch's offsets be committed.
        resolveOffset(batch.lastOffset());
        await commitOffsetsIfNecessary();
        await heartbeat();
      },
    });
    this.consuming = true;
    this.lagTimer = setInterval(() => void this.measureLag(), 5000);
    this.lagTimer.unref();
  }

  private async send(topic: string, messages: Message[], heartbeat: () => Promise<void>): Promise<void> {
    for (let i = 0; i < messages.length; i += PRODUCE_CHUNK) {
      await this.producer!.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages: messages.slice(i, i + PRODUCE_CHUNK) });
      await heartbeat();
    }
  }

  private async measureLag(): Promise<void> {
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      const groupId = `${this.config.HOOKLINE_TOPIC_PREFIX}hookline.fanout`;
      const [committed] = await admin.fetchOffsets({ groupId, topics: [this.topics.events] });
      const ends = await admin.fetchTopicOffsets(this.topics.events);
      for (const end of ends) {
        const done = committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
        const lag = Number(end.high) - Math.max(Number(done), Number(end.low));
        this.metrics.consumerLag.set({ partition: String(end.partition) }, Math.max(0, lag));
      }
    } catch {
      /* a metric, best effort */
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  async readiness(): Promise<Record<string, boolean>> {
    return { changelog_caught_up: this.reader.isCaughtUp, consuming: this.consuming };
  }

  async stop(): Promise<void> {
    clearInterval(this.lagTimer);
    this.consuming = false;
    await this.consumer?.disconnect().catch(() => undefined);
    await this.reader.stop().catch(() => undefined);
    await this.producer?.disconnect().catch(() => undefined);
  }
}
