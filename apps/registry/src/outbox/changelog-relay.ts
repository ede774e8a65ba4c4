import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Kafka } from 'kafkajs';
import { Counter, Histogram, type Registry } from 'prom-client';
import { OperationalEvents, topicNames, webhookStateKey, type Topics } from '@hookline/contracts';
import type { HooklineConfig } from '@hookline/config';
import { BatchingProducer, type OutgoingMessage } from '@hookline/kafka';
import {
  ADVISORY_LOCKS,
  OrderedRelay,
  WEBHOOK_EVENTS_CHANNEL,
  type OutboxRow,
} from '@hookline/persistence';
import type { Logger } from '@hookline/telemetry';
import { CONFIG, KAFKA, LOGGER, METRICS } from '../infra/tokens';

interface WebhookEventRow extends OutboxRow {
  aggregate_id: string;
  project_id: string;
  type: string;
  state: Record<string, unknown> | null;
  change: Record<string, unknown>;
  occurred_at: Date;
}

/** How long stop() lets the batch in progress finish before closing the producer under it. */
const STOP_GRACE_MS = 5000;

const COLUMNS = 'seq, aggregate_id, project_id, type, state, change, occurred_at';

export const RELAY_LOCK = ADVISORY_LOCKS.changelogRelay;

/**
 * Publishes committed webhook_events, in order, to the compacted changelog (key = webhook id,
 * value = the full state, or a tombstone on delete), and disable/enable changes as operational
 * events. Only the replica holding the advisory lock relays; when it dies its connection closes,
 * the lock is released and another replica takes over. A crash between publish and mark
 * republishes: harmless, consumers keep the highest version.
 */
@Injectable()
export class ChangelogRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly topics: Topics;
  private producer?: BatchingProducer;
  private relay?: OrderedRelay<WebhookEventRow>;
  private readonly published: Counter;
  private readonly lagSeconds: Histogram;
  private stopping = false;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(CONFIG) config: HooklineConfig,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(METRICS) registry: Registry,
  ) {
    this.topics = topicNames(config.HOOKLINE_TOPIC_PREFIX, config.HOOKLINE_RETRY_SCHEDULE.length);
    this.published = new Counter({
      name: 'hookline_registry_changelog_published_total',
      help: 'webhook events published to the changelog',
      registers: [registry],
    });
    this.lagSeconds = new Histogram({
      name: 'hookline_registry_changelog_commit_to_publish_seconds',
      help: 'From commit of a webhook change to its acknowledgement on the changelog',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers: [registry],
    });
  }

  get isLeader(): boolean {
    return this.relay?.isLeader ?? false;
  }

  async onApplicationBootstrap(): Promise<void> {
    // Connecting happens on the first publish, so the API starts (and answers 503 where Kafka is
    // needed) while Kafka is down; the relay retries until it is back.
    this.producer = new BatchingProducer(this.kafka, { log: this.log });
    this.relay = new OrderedRelay<WebhookEventRow>({
      dataSource: this.dataSource,
      table: 'webhook_events',
      lockKey: RELAY_LOCK,
      channel: WEBHOOK_EVENTS_CHANNEL,
      columns: COLUMNS,
      batchSize: 500,
      pollIntervalMs: 1000,
      publish: (rows) => this.publish(rows),
      onError: (e) => this.log.warn({ err: e }, 'changelog relay: will retry'),
    });
    this.relay.start();
  }

  private async publish(rows: WebhookEventRow[]): Promise<void> {
    await this.producer!.sendAll([
      ...this.changelogMessages(rows),
      ...this.operationalMessages(rows),
    ]);
    this.published.inc(rows.length);
    const now = Date.now();
    for (const r of rows) this.lagSeconds.observe((now - new Date(r.occurred_at).getTime()) / 1000);
  }

  private changelogMessages(rows: WebhookEventRow[]): OutgoingMessage[] {
    return rows.map((r) => ({
      topic: this.topics.webhooksChangelog,
      message: {
        key: webhookStateKey(r.aggregate_id),
        value: r.state ? JSON.stringify(r.state) : null,
        headers: { 'hookline-change-type': r.type },
      },
    }));
  }

  /**
   * Every change of `active` is announced, whatever else changed with it: a disable or an enable
   * alone is recorded as such, one made together with other fields is an update whose change
   * carries `active` (a no-op disable records an empty change and announces nothing).
   */
  private operationalMessages(rows: WebhookEventRow[]): OutgoingMessage[] {
    return rows.flatMap((r) => {
      const active = r.change.active;
      if (typeof active !== 'boolean') return [];
      if (!['webhook.disabled', 'webhook.enabled', 'webhook.updated'].includes(r.type)) return [];
      const at = new Date(r.occurred_at);
      const message = active
        ? OperationalEvents.webhookEnabled(r.project_id, r.aggregate_id, at)
        : OperationalEvents.webhookDisabled(
            r.project_id,
            r.aggregate_id,
            String(r.change.disabled_reason ?? 'manual'),
            at,
          );
      return [{ topic: this.topics.operational, message }];
    });
  }

  /** Wakes the relay right after a commit in this process (NOTIFY does the same across replicas). */
  wake(): void {
    this.relay?.wake();
  }

  /**
   * Wakes the relay and waits until every change of this webhook committed so far is on the
   * changelog, so that when the API answers, the fan-out (which syncs its index with the changelog
   * before each batch of events) routes the next event by the new state. Any replica may hold the
   * relay, so this watches the outbox rather than this process's relay. When the relay has not got
   * there within `timeoutMs` (its leader stalled while holding the lock), this replica publishes
   * the webhook's changes itself (`publishAhead`). False only when that fails too (Kafka down): the
   * change is committed and is published once Kafka is back.
   */
  async awaitPublished(webhookId: string, timeoutMs = 2000): Promise<boolean> {
    this.wake();
    const deadline = Date.now() + timeoutMs;
    for (let pauseMs = 2; ; pauseMs = Math.min(pauseMs * 2, 50)) {
      const unpublished: unknown[] = await this.dataSource.query(
        'select 1 from webhook_events where aggregate_id = $1 and published_at is null limit 1',
        [webhookId],
      );
      if (unpublished.length === 0) return true;
      if (Date.now() >= deadline) return this.publishAhead(webhookId, timeoutMs);
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  }

  /**
   * Publishes a webhook's unpublished changes to the changelog from this replica, in order, and
   * leaves them unmarked: the relay publishes them again when it resumes, so the last record of the
   * key on the compacted topic is still the newest state, and the older versions a stale batch may
   * carry in between are ignored by every reader (they keep the highest version). Changelog only:
   * operational events (`webhook.disabled`…) stay the relay's, announced once.
   */
  private async publishAhead(webhookId: string, timeoutMs: number): Promise<boolean> {
    const rows: WebhookEventRow[] = await this.dataSource.query(
      `select ${COLUMNS} from webhook_events where aggregate_id = $1 and published_at is null order by seq`,
      [webhookId],
    );
    if (rows.length === 0) return true;
    if (this.stopping) return false;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no ack within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.producer!.sendAll(this.changelogMessages(rows)), late]);
      this.log.warn(
        { webhookId, changes: rows.length },
        "changelog relay late: published the webhook's changes ahead of it",
      );
      return true;
    } catch (e) {
      this.log.warn({ err: e, webhookId }, 'changelog relay late and Kafka unavailable');
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Finishes the batch in progress, releases the relay lock (another replica takes over) and Kafka.
   * With Kafka down the batch in progress would wait for the producer forever: after a grace the
   * producer is closed, which fails that batch (its rows stay unpublished in the outbox).
   */
  async stop(): Promise<void> {
    this.stopping = true;
    const stopped = this.relay?.stop();
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([stopped, new Promise((r) => (grace = setTimeout(r, STOP_GRACE_MS)))]);
    clearTimeout(grace);
    await this.producer?.close();
    await stopped;
  }

  // Before shutdown, not during: the data source is destroyed in the shutdown phase, and the batch
  // in progress still needs it to be marked published.
  beforeApplicationShutdown(): Promise<void> {
    return this.stop();
  }
}
