import type { DataSource } from 'typeorm';
import { EventEnvelopeSchema } from '@hookline/contracts';
import { ADVISORY_LOCKS, OrderedRelay } from '@hookline/persistence';
import type { EventPublisher } from '../event-publisher';
import { EVENT_OUTBOX_CHANNEL } from './event-outbox';

export const EVENT_OUTBOX_LOCK_KEY = ADVISORY_LOCKS.eventOutboxRelay;

export interface OutboxRelayOptions {
  dataSource: DataSource;
  publisher: EventPublisher;
  batchSize?: number;
  /** Fallback poll when no notification arrives (default 1 s). */
  pollIntervalMs?: number;
  retryDelayMs?: number;
  /** Published rows older than this are deleted (default 7 days; 0 keeps them). */
  retainPublishedMs?: number;
  onError?(error: unknown): void;
}

interface OutboxRecord {
  seq: string;
  envelope: unknown;
  headers: Record<string, string>;
}

/**
 * Publishes the committed rows of `event_outbox` in order and marks them published. Run it in any
 * number of processes: an advisory lock lets one publish, the others stand by. At least once: a
 * crash between the publish and the mark repeats those events after the restart (same ids).
 */
export class OutboxRelay {
  private readonly relay: OrderedRelay<OutboxRecord>;
  private purgeTimer?: NodeJS.Timeout;

  constructor(private readonly options: OutboxRelayOptions) {
    this.relay = new OrderedRelay<OutboxRecord>({
      dataSource: options.dataSource,
      table: 'event_outbox',
      columns: 'seq, envelope, headers',
      lockKey: EVENT_OUTBOX_LOCK_KEY,
      channel: EVENT_OUTBOX_CHANNEL,
      batchSize: options.batchSize,
      pollIntervalMs: options.pollIntervalMs,
      retryDelayMs: options.retryDelayMs,
      onError: options.onError,
      publish: (rows) =>
        options.publisher.publishPrepared(
          rows.map((row) => ({
            envelope: EventEnvelopeSchema.parse(row.envelope),
            headers: row.headers,
          })),
        ),
    });
  }

  get isLeader(): boolean {
    return this.relay.isLeader;
  }

  start(): void {
    this.relay.start();
    const retain = this.options.retainPublishedMs ?? 7 * 24 * 3600_000;
    if (retain > 0 && !this.purgeTimer) {
      this.purgeTimer = setInterval(() => void this.purge(retain), Math.min(retain, 60_000));
      this.purgeTimer.unref();
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.purgeTimer);
    this.purgeTimer = undefined;
    await this.relay.stop();
  }

  private async purge(retainMs: number): Promise<void> {
    if (!this.relay.isLeader) return;
    await this.options.dataSource
      .query(
        `delete from event_outbox where published_at < now() - $1::float8 * interval '1 millisecond'`,
        [retainMs],
      )
      .catch((e: unknown) => this.options.onError?.(e));
  }
}
