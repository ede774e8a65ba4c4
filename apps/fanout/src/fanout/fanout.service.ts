import type { Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import {
  CatalogChangelog,
  EventTypeCatalog,
  topicNames,
  topicSpecs,
  type Topics,
} from '@hookline/contracts';
import type { HooklineConfig } from '@hookline/config';
import {
  BatchingProducer,
  ChangelogReader,
  ChangelogSync,
  WebhookView,
  kafkaFromConfig,
  provisionTopics,
  smallestMaxMessageBytes,
  topicPolicyOf,
  withDeadline,
} from '@hookline/kafka';
import type { Logger } from '@hookline/telemetry';
import { EventRouter } from './event-router';
import { FanoutConsumer } from './fanout.consumer';
import { FanoutMetrics } from './fanout.metrics';
import { SubscriptionIndex, type Subscription } from './subscription-index';

export interface FanoutTuning {
  /** Defaults to a third of the session timeout, at most 3 s. */
  heartbeatIntervalMs?: number;
  /** Bytes (before compression) per produce request; default 1 MiB. */
  maxRequestBytes?: number;
  /** Bytes of tasks per partition awaiting acknowledgement; default 2 MiB. */
  maxInFlightBytes?: number;
  /** A consumer unable to consume for longer than this fails /healthz (default 2 min). */
  unhealthyAfterMs?: number;
}

/** Bound of each shutdown step after the drain: all of stop() fits the 30 s grace period. */
const STOP_STEP_MS = 3000;

/**
 * Fan-out: the subscription index, rebuilt from the changelog at every start and kept live, and
 * the consumer of hookline.events that turns each event into delivery tasks. Events are consumed
 * only once the index has caught up with the changelog, so none is matched against a partial index.
 */
export class FanoutService {
  readonly index = new SubscriptionIndex();
  /** Holds a Subscription per webhook (version, project, events), not the full state. */
  readonly view: WebhookView<Subscription>;
  readonly metrics: FanoutMetrics;
  readonly topics: Topics;
  readonly kafka: Kafka;
  /** The event types events are checked against, kept current from the catalog changelog. */
  readonly catalog = new EventTypeCatalog();
  private readonly reader: ChangelogReader;
  private readonly catalogReader: ChangelogReader;
  /** Both changelogs' end offsets in one request before each batch of events. */
  private readonly changelogs: ChangelogSync;
  private readonly producer: BatchingProducer;
  private readonly consumer: FanoutConsumer;
  /** Platform events (webhook.disabled, delivery.dead, …) to the webhooks subscribed to them. */
  private readonly operationalConsumer: FanoutConsumer;
  private readonly routers: EventRouter[];

  constructor(
    private readonly config: HooklineConfig,
    registry: Registry,
    private readonly log: Logger,
    tuning: FanoutTuning = {},
  ) {
    const prefix = config.HOOKLINE_TOPIC_PREFIX;
    this.kafka = kafkaFromConfig(config, 'hookline-fanout');
    this.topics = topicNames(prefix, config.HOOKLINE_RETRY_SCHEDULE.length);
    this.metrics = new FanoutMetrics(registry);

    this.view = new WebhookView({ select: (state) => this.index.subscriptionOf(state) });
    this.view.onChange((previous, next, id) => {
      this.index.update(id, previous, next);
      this.metrics.indexWebhooks.set(this.index.size);
      this.metrics.indexSubscriptions.set(this.index.subscriptions);
    });
    this.reader = new ChangelogReader({
      kafka: this.kafka,
      topic: this.topics.webhooksChangelog,
      groupPrefix: `${prefix}hookline.fanout.changelog`,
      onRecord: (key, value) => this.view.apply(key, value),
    });
    this.catalogReader = new ChangelogReader({
      kafka: this.kafka,
      topic: this.topics.catalogChangelog,
      groupPrefix: `${prefix}hookline.fanout.catalog`,
      onRecord: (key, value) => {
        if (value === null) return;
        try {
          this.catalog.apply(CatalogChangelog.decode(value));
        } catch (e) {
          // A record no fan-out can use must not stop the others; the type stays as it was.
          this.log.warn({ err: e, key }, 'ignoring an unreadable catalog changelog record');
        }
      },
    });

    this.changelogs = new ChangelogSync(this.kafka, [this.reader, this.catalogReader]);

    this.producer = new BatchingProducer(this.kafka, {
      maxRequestBytes: tuning.maxRequestBytes,
      closeTimeoutMs: STOP_STEP_MS,
      log,
    });
    const router = new EventRouter(
      this.index,
      this.topics,
      (seconds) => this.metrics.matchSeconds.observe(seconds),
      this.catalog,
    );
    const operationalRouter = new EventRouter(
      this.index,
      { ...this.topics, events: this.topics.operational },
      (seconds) => this.metrics.matchSeconds.observe(seconds),
      this.catalog,
      'platform',
    );
    this.routers = [router, operationalRouter];
    const common = {
      kafka: this.kafka,
      producer: this.producer,
      metrics: this.metrics,
      log,
      sessionTimeoutMs: config.HOOKLINE_KAFKA_SESSION_TIMEOUT,
      heartbeatIntervalMs: tuning.heartbeatIntervalMs,
      maxInFlightBytes: tuning.maxInFlightBytes,
      drainTimeoutMs: 10_000,
      disconnectTimeoutMs: STOP_STEP_MS,
      unhealthyAfterMs: tuning.unhealthyAfterMs,
      indexFresh: () => this.changelogs.sync(),
    };
    this.consumer = new FanoutConsumer({
      ...common,
      topic: this.topics.events,
      groupId: `${prefix}hookline.fanout`,
      router,
      partitionsConsumedConcurrently: config.HOOKLINE_TOPIC_PARTITIONS,
    });
    // The same index, producer and task factory: an operational event is delivered, signed,
    // retried and logged like any event, to the webhooks subscribed to its type.
    this.operationalConsumer = new FanoutConsumer({
      ...common,
      name: 'operational',
      topic: this.topics.operational,
      groupId: `${prefix}hookline.fanout.operational`,
      router: operationalRouter,
      partitionsConsumedConcurrently: 1,
      reportLag: false,
    });
  }

  /** Resolves once the index has caught up and the events consumer has joined its group. */
  async start(): Promise<void> {
    const own = new Set([
      this.topics.events,
      this.topics.eventsDlq,
      this.topics.webhooksChangelog,
      this.topics.catalogChangelog,
      this.topics.deliveries,
      this.topics.operational,
    ]);
    await provisionTopics(
      this.kafka,
      topicSpecs(
        this.topics,
        this.config.HOOKLINE_TOPIC_PARTITIONS,
        topicPolicyOf(this.config),
      ).filter((s) => own.has(s.topic)),
      { create: this.config.HOOKLINE_KAFKA_CREATE_TOPICS, config: this.config },
    );
    await this.limitTaskSize();
    const started = Date.now();
    await Promise.all([this.reader.start(), this.catalogReader.start()]);
    await Promise.all([this.reader.caughtUp, this.catalogReader.caughtUp]);
    this.metrics.changelogCaughtUp.set(1);
    this.log.info(
      {
        webhooks: this.view.size,
        indexed: this.index.size,
        invalid: this.view.invalidRecords,
        ms: Date.now() - started,
      },
      'subscription index caught up with the changelog',
    );
    await this.producer.connect();
    await Promise.all([this.consumer.start(), this.operationalConsumer.start()]);
  }

  /**
   * Tells the routers how large a task the task topics take. Without the right to describe
   * topic configs, they stay unbounded: an oversized task is then refused by the broker, and
   * its event dead-lettered by the consumer (see FanoutConsumer).
   */
  private async limitTaskSize(): Promise<void> {
    const { deliveries, retry, deliveriesDlq } = this.topics;
    try {
      const bytes = await smallestMaxMessageBytes(this.kafka, [
        deliveries,
        ...retry,
        deliveriesDlq,
      ]);
      if (bytes === undefined) return;
      for (const router of this.routers) router.maxTaskBytes = bytes;
      this.log.info({ maxTaskBytes: bytes }, 'task topics take messages of up to this size');
    } catch (e) {
      this.log.warn({ err: e }, "cannot read the task topics' max.message.bytes; tasks unbounded");
    }
  }

  /** Partitions of hookline.events this process owns. */
  get assignment(): number[] {
    return this.consumer.assignment;
  }

  async readiness(): Promise<Record<string, boolean>> {
    return {
      changelog_caught_up: this.reader.isCaughtUp,
      catalog_caught_up: this.catalogReader.isCaughtUp,
      events_consumer: this.consumer.consuming,
      operational_consumer: this.operationalConsumer.consuming,
    };
  }

  /** Fails once the events consumer has been unable to consume (and to recover) for too long. */
  async liveness(): Promise<Record<string, boolean>> {
    return {
      events_consumer: this.consumer.health().live,
      operational_consumer: this.operationalConsumer.health().live,
    };
  }

  async stop(): Promise<void> {
    await Promise.all(
      [this.consumer, this.operationalConsumer].map((consumer) =>
        consumer.stop().catch((e) => this.log.warn({ err: e }, 'stopping a consumer')),
      ),
    );
    await this.producer.close();
    await this.changelogs.close();
    await Promise.all(
      [this.reader, this.catalogReader].map((reader) =>
        withDeadline(reader.stop(), STOP_STEP_MS, () => new Error('timed out')).catch((e) =>
          this.log.warn({ err: e, topic: reader.groupId }, 'stopping a changelog reader'),
        ),
      ),
    );
  }
}
