import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Kafka } from 'kafkajs';
import { CatalogChangelog, topicNames, type EventTypeState } from '@hookline/contracts';
import type { HooklineConfig } from '@hookline/config';
import { BatchingProducer } from '@hookline/kafka';
import {
  ADVISORY_LOCKS,
  EVENT_TYPE_CHANGES_CHANNEL,
  EventTypeStore,
  OrderedRelay,
  type OutboxRow,
} from '@hookline/persistence';
import type { Logger } from '@hookline/telemetry';
import { CONFIG, KAFKA, LOGGER } from '../infra/tokens';

interface EventTypeChangeRow extends OutboxRow {
  state: EventTypeState;
}

/** How long stop() lets the batch in progress finish before closing the producer under it. */
const STOP_GRACE_MS = 5000;

/**
 * Publishes committed event_type_changes, in order, to the compacted catalog changelog (key =
 * type name, value = its full state). One replica relays (advisory lock); a crash between
 * publish and mark republishes, which is harmless: readers keep the highest version.
 */
@Injectable()
export class CatalogRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly topic: string;
  private readonly store: EventTypeStore;
  private producer?: BatchingProducer;
  private relay?: OrderedRelay<EventTypeChangeRow>;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(CONFIG) config: HooklineConfig,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    this.topic = topicNames(config.HOOKLINE_TOPIC_PREFIX).catalogChangelog;
    this.store = new EventTypeStore(dataSource);
  }

  onApplicationBootstrap(): void {
    this.producer = new BatchingProducer(this.kafka, { log: this.log });
    this.relay = new OrderedRelay<EventTypeChangeRow>({
      dataSource: this.dataSource,
      table: 'event_type_changes',
      lockKey: ADVISORY_LOCKS.catalogRelay,
      channel: EVENT_TYPE_CHANGES_CHANNEL,
      columns: 'seq, state',
      batchSize: 500,
      pollIntervalMs: 1000,
      publish: (rows) =>
        this.producer!.sendAll(
          rows.map((r) => ({ topic: this.topic, message: CatalogChangelog.message(r.state) })),
        ),
      onError: (e) => this.log.warn({ err: e }, 'catalog relay: will retry'),
    });
    this.relay.start();
  }

  /**
   * Waits until every change of this type committed so far is on the changelog, so that when the
   * API answers, the fan-out (which syncs its catalog before each batch) checks the next event by
   * the new version. After `timeoutMs` (Kafka down) it stops waiting; the change is committed.
   */
  async awaitPublished(name: string, timeoutMs = 2000): Promise<boolean> {
    this.relay?.wake();
    const deadline = Date.now() + timeoutMs;
    for (let pauseMs = 2; ; pauseMs = Math.min(pauseMs * 2, 50)) {
      if (!(await this.store.unpublished(name))) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    const stopped = this.relay?.stop();
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([stopped, new Promise((r) => (grace = setTimeout(r, STOP_GRACE_MS)))]);
    clearTimeout(grace);
    await this.producer?.close();
    await stopped;
  }
}
