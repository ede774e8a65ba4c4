import type { Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { HooklineConfig } from '@hookline/config';
import { endpointOrigin, topicNames, topicSpecs, type Topics } from '@hookline/contracts';
import {
  BatchingProducer,
  ChangelogReader,
  WebhookView,
  kafkaFromConfig,
  provisionTopics,
  topicPolicyOf,
  withDeadline,
  type ConsumerRunner,
} from '@hookline/kafka';
import {
  DeliveryLogRepository,
  EndpointCircuitRepository,
  SecretBox,
  WebhookEventStore,
  createDataSource,
  runMigrations,
} from '@hookline/persistence';
import { createLogger, createMetricsRegistry, type Logger } from '@hookline/telemetry';
import { AttemptLogWriter } from './dispatch/attempt-log.writer';
import { BatchedLookup } from './dispatch/batched-lookup';
import { CircuitEventAnnouncer } from './dispatch/circuit-event.announcer';
import { CircuitBreaker } from './dispatch/circuit-breaker';
import { CircuitStateWriter } from './dispatch/circuit-state.writer';
import { ConcurrencyLimiter } from './dispatch/concurrency-limiter';
import { createDispatchConsumer } from './dispatch/dispatch.consumer';
import { DeliveryService } from './dispatch/delivery.service';
import { DispatcherMetrics } from './dispatch/dispatcher.metrics';
import type { Resolver } from './dispatch/guarded-lookup';
import { createRetryTierConsumer } from './dispatch/retry-tier.consumer';
import { ThrottleEventAnnouncer } from './dispatch/throttle-event.announcer';
import { WebhookDirectory } from './dispatch/webhook-directory';
import { WebhookHttpClient } from './dispatch/webhook-http.client';
import { WebhookThrottle } from './dispatch/webhook-throttle';
import {
  DEFAULT_JITTER,
  DEFAULT_MAX_RETRY_AFTER_MS,
  longestWaitMs,
} from './lifecycle/delivery-lifecycle';
import { LifecycleExecutor } from './lifecycle/lifecycle.executor';
import { RetentionJob, type RetentionOptions } from './retention/retention.job';

/** Tuning beyond the shared configuration; the defaults suit production. */
export interface DispatcherOptions {
  /** Requests in flight at once, over all endpoints. */
  concurrency?: number;
  /** Requests in flight at once to one endpoint origin (and its keep-alive pool size). */
  perEndpoint?: number;
  /**
   * How long tasks wait for an endpoint origin with every connection taken and none freed before
   * its circuit opens (or, with no breaker, they fail as `endpoint_busy`) rather than queue: see
   * ConcurrencyLimiter.
   */
  maxEndpointWaitMs?: number;
  /** Unfinished tasks per partition before the partition is paused. */
  maxPendingPerPartition?: number;
  /** Unfinished tasks per consumer before its partitions are paused. */
  maxPendingTotal?: number;
  commitIntervalMs?: number;
  /** A consumer unable to consume for longer than this fails /healthz (default 2 min). */
  unhealthyAfterMs?: number;
  /** Host name resolution of endpoints (tests make names resolve to chosen addresses). */
  resolver?: Resolver;
  /** Retention job settings; false: not run by this process. */
  retention?: Partial<RetentionOptions> | false;
  registry?: Registry;
  /** Randomness of the retry jitter. */
  random?: () => number;
  /** Run the migrations at start (default true; safe with several processes). */
  migrate?: boolean;
}

/**
 * An endpoint that answers frees a connection well within this; one that hangs (every connection
 * held until the delivery timeout) then holds about a second of its traffic waiting, no more.
 */
export const DEFAULT_MAX_ENDPOINT_WAIT_MS = 1000;

/** Bound of each shutdown step after the drain (commit, leaving the group, the producer). */
const STOP_STEP_MS = 3000;

/** How long delivery-log writes may fail before the dispatcher says it is not ready. */
const LOG_STALL_NOT_READY_MS = 5000;

/**
 * The dispatcher: consumes delivery tasks and the retry tiers, signs and POSTs them, records every
 * attempt, schedules retries and dead-letters. Built by createDispatcher so tests run it in-process.
 */
export class Dispatcher {
  readonly registry: Registry;
  readonly metrics: DispatcherMetrics;
  readonly view = new WebhookView();
  readonly topics: Topics;
  readonly attemptLog: AttemptLogWriter;
  readonly retention: RetentionJob;
  private readonly kafka: Kafka;
  private readonly dataSource: DataSource;
  private readonly log: Logger;
  private readonly reader: ChangelogReader;
  private readonly publisher: BatchingProducer;
  private readonly client: WebhookHttpClient;
  private readonly consumers: ConsumerRunner[];
  private readonly circuitWriter: CircuitStateWriter;
  private started = false;

  constructor(
    private readonly config: HooklineConfig,
    private readonly options: DispatcherOptions = {},
  ) {
    this.log = createLogger('dispatcher', config.HOOKLINE_LOG_LEVEL);
    this.registry = options.registry ?? createMetricsRegistry('dispatcher');
    this.metrics = new DispatcherMetrics(this.registry);
    this.kafka = kafkaFromConfig(config, 'hookline-dispatcher');
    this.topics = topicNames(config.HOOKLINE_TOPIC_PREFIX, config.HOOKLINE_RETRY_SCHEDULE.length);
    this.dataSource = createDataSource({
      url: config.DATABASE_URL,
      poolSize: 10,
      applicationName: 'hookline-dispatcher',
    });
    const box = new SecretBox(config.HOOKLINE_ENCRYPTION_KEYS);
    this.reader = new ChangelogReader({
      kafka: this.kafka,
      topic: this.topics.webhooksChangelog,
      groupPrefix: `${config.HOOKLINE_TOPIC_PREFIX}hookline.dispatcher.changelog`,
      onRecord: (key, value) => this.view.apply(key, value),
    });
    const perEndpoint = options.perEndpoint ?? 16;
    this.client = new WebhookHttpClient({
      timeoutMs: config.HOOKLINE_DELIVERY_TIMEOUT,
      allowPrivate: config.HOOKLINE_ALLOW_PRIVATE_URLS,
      allowHttp: config.HOOKLINE_ALLOW_HTTP,
      connectionsPerOrigin: perEndpoint,
      resolver: options.resolver,
    });
    // Nothing this producer sends is on a first attempt's path: retries and holds (which wait a
    // second or more), dead letters and operational events. So every request waits 25 ms for
    // others to share it. With four tenants' endpoints failing or held at 150 tasks a
    // second each, it sent ~108 produce requests a second behind each other (one per round
    // trip), ~32 now, and the broker's share of that fault fell by half (docs/chaos.md).
    this.publisher = new BatchingProducer(this.kafka, {
      lingerMs: 25,
      lingerEveryRequest: true,
      maxRequestMessages: 1000,
      closeTimeoutMs: STOP_STEP_MS,
      log: this.log,
    });
    this.attemptLog = new AttemptLogWriter(this.dataSource, this.log);
    const deliveryLog = new DeliveryLogRepository(this.dataSource);
    const lifecycleWaits = {
      schedule: config.HOOKLINE_RETRY_SCHEDULE,
      jitter: DEFAULT_JITTER,
      maxRetryAfterMs: DEFAULT_MAX_RETRY_AFTER_MS,
    };
    const maxWaitMs = longestWaitMs(
      config.HOOKLINE_DELIVERY_RETENTION_DAYS * 86_400_000,
      lifecycleWaits,
      {
        ownDelayMs: config.HOOKLINE_WEBHOOK_MAX_RETRY_DELAY,
        cooldownMs: config.HOOKLINE_CIRCUIT_COOLDOWN,
      },
    );
    const lifecycle = new LifecycleExecutor({
      settings: {
        ...lifecycleWaits,
        disableAfter: config.HOOKLINE_DISABLE_AFTER_FAILED_DELIVERIES,
        maxWaitMs,
      },
      random: options.random,
      publisher: this.publisher,
      attemptLog: this.attemptLog,
      deliveryLog,
      eventStore: new WebhookEventStore(this.dataSource, box),
      topics: this.topics,
      metrics: this.metrics,
      log: this.log,
    });
    // Keyed by delivery id and birth time (the task's), which narrows the lookup to its partitions.
    const settled = new BatchedLookup(
      async (keys: string[]) => {
        const deliveries = keys.map(fromSettledKey);
        const found = await deliveryLog.finished(deliveries);
        const byKey = new Map<string, NonNullable<ReturnType<typeof found.get>>>();
        keys.forEach((k, i) => {
          const logged = found.get(deliveries[i]!.id);
          if (logged) byKey.set(k, logged);
        });
        return byKey;
      },
      { maxBatch: 500 },
    );
    this.circuitWriter = new CircuitStateWriter(
      new EndpointCircuitRepository(this.dataSource),
      this.log,
    );
    const announcer = new CircuitEventAnnouncer({
      publisher: this.publisher,
      topic: this.topics.operational,
      cooldownMs: config.HOOKLINE_CIRCUIT_COOLDOWN,
      log: this.log,
    });
    const circuit = new CircuitBreaker({
      threshold: config.HOOKLINE_CIRCUIT_FAILURES,
      cooldownMs: config.HOOKLINE_CIRCUIT_COOLDOWN,
      onTransition: (endpoint, next, previous, cause) => {
        this.metrics.circuitTransitions.inc({ state: next.state });
        this.circuitWriter.record(endpoint, next);
        announcer.announce(endpoint, next, previous, cause);
        // The endpoint's URL may hold a credential: logged are its origin and the webhook.
        if (next.state !== 'half_open')
          this.log.warn(
            {
              origin: endpointOrigin(endpoint, endpoint),
              webhookId: cause?.webhookId,
              failures: next.failures,
            },
            `endpoint circuit ${next.state}`,
          );
      },
    });
    this.metrics.observeCircuits(() => circuit.counts());
    const service = new DeliveryService({
      directory: new WebhookDirectory(this.view, this.dataSource, box, {
        openAhead: () => this.reader.isCaughtUp,
      }),
      client: this.client,
      limiter: new ConcurrencyLimiter(
        options.concurrency ?? 256,
        perEndpoint,
        options.maxEndpointWaitMs ?? DEFAULT_MAX_ENDPOINT_WAIT_MS,
        undefined,
        circuit,
      ),
      lifecycle,
      metrics: this.metrics,
      log: this.log,
      urlHint: (id) => this.view.get(id)?.url,
      batchHint: (id) => this.view.get(id)?.batch ?? null,
      throttleHint: (id) => this.view.get(id)?.throttle_per_second ?? null,
      throttle: new WebhookThrottle(Date.now, maxWaitMs),
      throttled: new ThrottleEventAnnouncer({
        publisher: this.publisher,
        topic: this.topics.operational,
        log: this.log,
      }),
      settled: (id, createdAt) => settled.get(`${id} ${createdAt ?? ''}`),
    });
    const settings = {
      kafka: this.kafka,
      topics: this.topics,
      topicPrefix: config.HOOKLINE_TOPIC_PREFIX,
      service,
      maxPendingPerPartition: options.maxPendingPerPartition ?? 250,
      // In tasks of up to 8 KiB (TASK_WEIGHT_BYTES; larger ones count for more). A few times the
      // request concurrency keeps every slot busy; more only holds memory (each waiting task
      // ~7 KB) while the backlog is as safe in Kafka.
      maxPendingTotal: options.maxPendingTotal ?? 2000,
      commitIntervalMs: options.commitIntervalMs ?? 200,
      // An attempt may take the whole delivery timeout, then a moment to be recorded.
      drainTimeoutMs: config.HOOKLINE_DELIVERY_TIMEOUT + 2000,
      sessionTimeoutMs: config.HOOKLINE_KAFKA_SESSION_TIMEOUT,
      disconnectTimeoutMs: STOP_STEP_MS,
      unhealthyAfterMs: options.unhealthyAfterMs,
      log: this.log,
      metrics: this.metrics,
      tiers: { schedule: config.HOOKLINE_RETRY_SCHEDULE, jitter: DEFAULT_JITTER },
    };
    this.consumers = [createDispatchConsumer(settings), createRetryTierConsumer(settings)];
    this.retention = new RetentionJob(this.dataSource, this.log, {
      retentionDays: config.HOOKLINE_DELIVERY_RETENTION_DAYS,
      ...(options.retention || {}),
    });
  }

  async start(): Promise<void> {
    // First, before any code is hot (see WebhookHttpClient.prepare).
    await this.client.prepare();
    if (this.options.migrate !== false) await runMigrations(this.config.DATABASE_URL);
    await provisionTopics(
      this.kafka,
      topicSpecs(this.topics, this.config.HOOKLINE_TOPIC_PARTITIONS, topicPolicyOf(this.config)),
      { create: this.config.HOOKLINE_KAFKA_CREATE_TOPICS, config: this.config },
    );
    await this.dataSource.initialize();
    await this.publisher.connect();
    await this.reader.start();
    // Before the view holds every webhook, URLs and secrets would be missing.
    await this.reader.caughtUp;
    this.log.info({ webhooks: this.view.size }, 'webhook view caught up');
    await Promise.all(this.consumers.map((c) => c.start()));
    if (this.options.retention !== false) this.retention.start();
    this.started = true;
  }

  async readiness(): Promise<Record<string, boolean>> {
    const database =
      this.dataSource.isInitialized &&
      (await this.dataSource.query('select 1').then(
        () => true,
        () => false,
      ));
    return {
      database,
      changelog_caught_up: this.reader.isCaughtUp,
      consuming: this.started && this.consumers.every((c) => c.consuming),
      // Writes failing for a few seconds: attempts pile up unfinished behind them.
      delivery_log_writing: this.attemptLog.stalledForMs() < LOG_STALL_NOT_READY_MS,
    };
  }

  /** Fails once a consumer has been unable to consume (and to recover) for too long. */
  async liveness(): Promise<Record<string, boolean>> {
    return {
      consumers: this.consumers.every((c) => c.health().live),
      delivery_log_writing:
        this.attemptLog.stalledForMs() < (this.options.unhealthyAfterMs ?? 120_000),
    };
  }

  /**
   * Finishes what is in flight (bounded by the delivery timeout), commits, and disconnects; every
   * step is bounded, so this ends within the termination grace period (30 s) with Kafka down.
   */
  async stop(): Promise<void> {
    this.started = false;
    await Promise.all(
      this.consumers.map((c) =>
        c.stop().catch((e) => this.log.warn({ err: e }, 'consumer stop failed')),
      ),
    );
    await this.retention.stop();
    await this.publisher.close();
    await this.attemptLog.close(STOP_STEP_MS).catch(() => undefined);
    await withDeadline(
      this.circuitWriter.flush(),
      STOP_STEP_MS,
      () => new Error('timed out'),
    ).catch(() => undefined);
    await withDeadline(this.reader.stop(), STOP_STEP_MS, () => new Error('timed out')).catch(
      () => undefined,
    );
    await this.client.close();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

export function createDispatcher(
  config: HooklineConfig,
  options: DispatcherOptions = {},
): Dispatcher {
  return new Dispatcher(config, options);
}

/** A `settled` lookup's key back into the delivery id and the task's birth time (if any). */
function fromSettledKey(key: string): { id: string; createdAt: Date | null } {
  const [id, createdAt] = key.split(' ');
  return { id: id!, createdAt: createdAt ? new Date(createdAt) : null };
}
