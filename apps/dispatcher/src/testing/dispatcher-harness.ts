import { randomBytes } from 'node:crypto';
import type { Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { parseConfig, type HooklineConfig } from '@hookline/config';
import {
  deliveryId,
  newId,
  type DeliveryBatch,
  type DeliveryTask,
  type EventEnvelope,
  type PayloadFormat,
  type SignatureScheme,
} from '@hookline/contracts';
import {
  SecretBox,
  WebhookEntity,
  WebhookEventStore,
  createDataSource,
  toWebhookState,
} from '@hookline/persistence';
import { generateSecret } from '@hookline/signing';
import {
  TopicWriter,
  createTestDatabase,
  createTestTopics,
  eventEnvelope,
  pollUntil,
  type TestDatabase,
  type TestTopics,
} from '@hookline/testing';
import { createDispatcher, type Dispatcher, type DispatcherOptions } from '../dispatcher';

export interface HarnessOptions {
  schedule?: string;
  timeout?: string;
  disableAfter?: number;
  /**
   * HOOKLINE_CIRCUIT_FAILURES (default 0 here: suites share one receiver among their webhooks,
   * whose failures would add up on its one origin) and HOOKLINE_CIRCUIT_COOLDOWN.
   */
  circuitFailures?: number;
  circuitCooldown?: string;
  dispatcher?: DispatcherOptions;
  /** Start an in-process dispatcher (default true). */
  startDispatcher?: boolean;
}

export interface AttemptRow {
  delivery_id: string;
  attempt: number;
  trigger: string;
  url: string;
  request_headers: Record<string, string>;
  response_status: number | null;
  response_body: string | null;
  duration_ms: number;
  error_class: string | null;
  error: string | null;
  started_at: Date;
}

export interface DeliveryRow {
  id: string;
  status: string;
  attempts: number;
  next_attempt_at: Date | null;
  last_error: string | null;
}

/**
 * A dispatcher on its own database and topic prefix, with the registry's part played directly:
 * webhooks are created through the event store (the table the dispatcher checks) and their state
 * is written to the changelog (the view the dispatcher reads), tasks straight to the topic.
 */
export class DispatcherHarness {
  dispatcher?: Dispatcher;
  readonly store: WebhookEventStore;
  readonly box: SecretBox;

  private constructor(
    readonly db: TestDatabase,
    readonly topics: TestTopics,
    readonly writer: TopicWriter,
    readonly producer: Producer,
    readonly dataSource: DataSource,
    readonly env: Record<string, string>,
    readonly config: HooklineConfig,
  ) {
    this.box = new SecretBox(config.HOOKLINE_ENCRYPTION_KEYS);
    this.store = new WebhookEventStore(dataSource, this.box);
  }

  static async start(options: HarnessOptions = {}): Promise<DispatcherHarness> {
    const schedule = options.schedule ?? '200ms,400ms,600ms';
    const db = await createTestDatabase('dispatcher');
    const topics = await createTestTopics(undefined, schedule.split(',').length, 3);
    const env = {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: topics.brokers.join(','),
      HOOKLINE_TOPIC_PREFIX: topics.prefix,
      HOOKLINE_TOPIC_PARTITIONS: '3',
      HOOKLINE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      HOOKLINE_RETRY_SCHEDULE: schedule,
      HOOKLINE_DELIVERY_TIMEOUT: options.timeout ?? '1s',
      HOOKLINE_DISABLE_AFTER_FAILED_DELIVERIES: String(options.disableAfter ?? 1),
      HOOKLINE_CIRCUIT_FAILURES: String(options.circuitFailures ?? 0),
      HOOKLINE_CIRCUIT_COOLDOWN: options.circuitCooldown ?? '30s',
      HOOKLINE_ALLOW_PRIVATE_URLS: 'true',
      HOOKLINE_ALLOW_HTTP: 'true',
      HOOKLINE_LOG_LEVEL: 'warn',
    };
    const config = parseConfig(env);
    const dataSource = createDataSource({
      url: db.url,
      poolSize: 4,
      applicationName: 'dispatcher-test',
    });
    await dataSource.initialize();
    const producer = topics.kafka.producer();
    await producer.connect();
    const harness = new DispatcherHarness(
      db,
      topics,
      await TopicWriter.connect(topics.kafka),
      producer,
      dataSource,
      env,
      config,
    );
    if (options.startDispatcher !== false) await harness.startDispatcher(options.dispatcher);
    return harness;
  }

  async startDispatcher(options: DispatcherOptions = {}): Promise<Dispatcher> {
    const dispatcher = createDispatcher(this.config, {
      retention: false,
      commitIntervalMs: 100,
      ...options,
    });
    this.dispatcher = dispatcher;
    await dispatcher.start();
    await pollUntil(async () => (await dispatcher.readiness()).consuming, {
      timeoutMs: 30_000,
      message: 'dispatcher consuming',
    });
    return dispatcher;
  }

  /**
   * The dispatcher's metric `name` (without the `hookline_dispatcher_` prefix), summed over the
   * series whose labels include `labels`.
   */
  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const metric = this.dispatcher!.registry.getSingleMetric(`hookline_dispatcher_${name}`)!;
    return (await metric.get()).values
      .filter((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value))
      .reduce((sum, v) => sum + v.value, 0);
  }

  /** A webhook in the table and on the changelog; resolves once the dispatcher's view holds it. */
  async webhook(input: {
    url: string;
    scheme?: SignatureScheme;
    projectId?: string;
    secret?: string;
    signatureHeader?: string;
    format?: PayloadFormat;
    batch?: DeliveryBatch;
    throttlePerSecond?: number;
    retrySchedule?: number[];
    disableAfterFailedDeliveries?: number;
    headers?: Record<string, string>;
  }): Promise<{ row: WebhookEntity; secret: string }> {
    const projectId = input.projectId ?? 'prj_dispatch_test';
    await this.dataSource.query(
      'insert into projects (id, name) values ($1, $2) on conflict do nothing',
      [projectId, 'dispatcher tests'],
    );
    const secret = input.secret ?? generateSecret();
    const row = await this.store.create(
      {
        projectId,
        url: input.url,
        events: ['*'],
        description: null,
        active: true,
        signatureScheme: input.scheme ?? 'standard',
        signatureHeader: input.signatureHeader ?? null,
        format: input.format ?? 'envelope',
        batch: input.batch ?? null,
        throttlePerSecond: input.throttlePerSecond ?? null,
        retrySchedule: input.retrySchedule ?? null,
        disableAfterFailedDeliveries: input.disableAfterFailedDeliveries ?? null,
        headers: input.headers ?? null,
        secret,
      },
      'key_test',
    );
    await this.publish(row.id);
    return { row, secret };
  }

  /** Writes the table's current state of a webhook to the changelog (what the registry's relay does). */
  async publish(id: string): Promise<void> {
    const row = await this.dataSource.getRepository(WebhookEntity).findOneBy({ id });
    if (!row) {
      await this.writer.tombstone(this.topics.topics.webhooksChangelog, id);
      if (this.dispatcher)
        await pollUntil(() => !this.dispatcher!.view.get(id), {
          message: `${id} gone from the view`,
        });
      return;
    }
    await this.writer.webhook(this.topics.topics.webhooksChangelog, toWebhookState(row));
    if (this.dispatcher)
      await pollUntil(() => this.dispatcher!.view.get(id)?.version === row.version, {
        message: `${id} v${row.version} in the view`,
      });
  }

  /**
   * Ends a rotation's transition now, as its hours passing would: the old secret is dropped from
   * the table and the new state goes to the changelog.
   */
  async endTransition(id: string): Promise<void> {
    await this.dataSource.query(
      'update webhooks set secrets = jsonb_build_array(secrets->0), version = version + 1 where id = $1',
      [id],
    );
    await this.publish(id);
  }

  /** Writes a delivery task for `webhookId` to hookline.deliveries. */
  async task(
    webhookId: string,
    options: {
      event?: Partial<EventEnvelope>;
      attempt?: number;
      manual?: boolean;
      headers?: Record<string, string>;
      partition?: number;
    } = {},
  ): Promise<DeliveryTask> {
    const event = eventEnvelope({
      project_id: 'prj_dispatch_test',
      id: newId('event'),
      ...options.event,
    });
    const task: DeliveryTask = {
      delivery_id: deliveryId(event.id, webhookId),
      webhook_id: webhookId,
      attempt: options.attempt ?? 1,
      ...(options.manual ? { manual: true } : {}),
      event,
    };
    await this.producer.send({
      topic: this.topics.topics.deliveries,
      acks: -1,
      messages: [
        {
          key: webhookId,
          value: JSON.stringify(task),
          headers: options.headers ?? {},
          partition: options.partition,
        },
      ],
    });
    return task;
  }

  attempts(delivery: string): Promise<AttemptRow[]> {
    return this.dataSource.query(
      'select * from delivery_attempts where delivery_id = $1 order by id',
      [delivery],
    );
  }

  async delivery(id: string): Promise<DeliveryRow | undefined> {
    const rows: DeliveryRow[] = await this.dataSource.query(
      'select * from deliveries where id = $1',
      [id],
    );
    return rows[0];
  }

  /** Waits until the delivery has `n` attempts logged and answers them. */
  waitForAttempts(delivery: string, n: number, timeoutMs = 15_000): Promise<AttemptRow[]> {
    return pollUntil(
      async () => {
        const rows = await this.attempts(delivery);
        return rows.length >= n && rows;
      },
      { timeoutMs, intervalMs: 50, message: `${n} attempts of ${delivery}` },
    );
  }

  async stop(): Promise<void> {
    await this.dispatcher?.stop().catch(() => undefined);
    await this.writer.close().catch(() => undefined);
    await this.producer.disconnect().catch(() => undefined);
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    await this.topics.drop();
    await this.db.drop();
  }
}
