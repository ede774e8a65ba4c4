import type { DataSource, EntityManager } from 'typeorm';
import {
  ADVISORY_LOCKS,
  DeliveryLogPartitions,
  DeliveryLogRepository,
  RecoveryJobRepository,
} from '@hookline/persistence';
import type { Logger } from '@hookline/telemetry';

const DAY_MS = 86_400_000;

export interface RetentionOptions {
  retentionDays: number;
  /** Rows per DELETE: each statement holds its locks only briefly. */
  batchSize?: number;
  intervalMs?: number;
  /** First run after start (not at once: a fleet restarting together need not pile on). */
  initialDelayMs?: number;
  /** Days of the delivery log's partitions created ahead of today. */
  partitionDaysAhead?: number;
}

// With several dispatchers, one of them enforces retention at a time.
const RETENTION_LOCK = ADVISORY_LOCKS.deliveryLogRetention;

/**
 * Keeps the delivery log's daily partitions (created a few days ahead, at start and on every run)
 * and enforces HOOKLINE_DELIVERY_RETENTION_DAYS on it: a day's deliveries and attempts are
 * dropped as whole partitions once the day is older than the retention (so a row lives up to a
 * day longer); rows of the default partition, the per-minute stats and the event records are
 * deleted in bounded batches until none is older; finished recovery jobs go with them.
 */
export class RetentionJob {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private readonly deliveryLog: DeliveryLogRepository;
  private readonly partitions: DeliveryLogPartitions;
  private readonly recoveries: RecoveryJobRepository;

  constructor(
    private readonly dataSource: DataSource,
    private readonly log: Logger,
    private readonly options: RetentionOptions,
  ) {
    this.deliveryLog = new DeliveryLogRepository(dataSource);
    this.partitions = new DeliveryLogPartitions(dataSource);
    this.recoveries = new RecoveryJobRepository(dataSource);
  }

  start(): void {
    // Today's and the next days' partitions at once: rows must not wait for the first run.
    this.running = this.ensurePartitions(new Date())
      .catch((e) => this.log.error({ err: e }, 'delivery log partitions not created'))
      .finally(() => (this.running = undefined));
    const interval = this.options.intervalMs ?? 3_600_000;
    const tick = () => {
      this.running ??= this.runOnce()
        .catch((e) => this.log.error({ err: e }, 'retention run failed'))
        .finally(() => (this.running = undefined));
      this.timer = setTimeout(tick, interval);
      this.timer.unref();
    };
    this.timer = setTimeout(tick, this.options.initialDelayMs ?? 60_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    await this.running;
  }

  /** Creates the log's partitions of the next days; answers those it created. */
  async ensurePartitions(now: Date): Promise<string[]> {
    const created = await this.partitions.ensure(now, this.options.partitionDaysAhead ?? 3);
    if (created.length > 0) this.log.info({ created }, 'delivery log partitions created');
    return created;
  }

  /**
   * One pass; answers the partitions dropped and the rows deleted (null when another process
   * holds the lock).
   */
  async runOnce(now = new Date()): Promise<{
    partitions: string[];
    attempts: number;
    deliveries: number;
    stats: number;
    events: number;
    recoveries: number;
  } | null> {
    const cutoff = new Date(now.getTime() - this.options.retentionDays * DAY_MS);
    const batch = this.options.batchSize ?? 5000;
    // Every dispatcher, lock or not: creating is idempotent and serialised by its own lock.
    await this.ensurePartitions(now);
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = (await runner.query('select pg_try_advisory_lock($1) as locked', [
        RETENTION_LOCK,
      ])) as [{ locked: boolean }];
      if (!locked) return null;
      try {
        const partitions = await this.partitions.dropOlderThan(cutoff, runner.manager);
        const attempts = await this.deleteOlder('attempts', cutoff, batch, runner.manager);
        const deliveries = await this.deleteOlder('deliveries', cutoff, batch, runner.manager);
        const stats = await this.deleteOlder('stats', cutoff, batch, runner.manager);
        // An event's record holds its deliveries' payload, so it goes with their day's partitions
        // (dropped once the whole day is past the cutoff); records of the cutoff's own day would
        // otherwise be looked at, and kept, by every run until then.
        const cutoffDay = new Date(Math.floor(cutoff.getTime() / DAY_MS) * DAY_MS);
        const events = await this.deleteOlder('events', cutoffDay, batch, runner.manager);
        let recoveries = 0;
        for (let n = batch; n === batch; recoveries += n)
          n = await this.recoveries.deleteFinishedOlderThan(cutoff, batch, runner.manager);
        const deleted = { attempts, deliveries, stats, events, recoveries };
        if (partitions.length > 0 || Object.values(deleted).some((n) => n > 0))
          this.log.info({ ...deleted, partitions, cutoff }, 'delivery log retention');
        return { partitions, ...deleted };
      } finally {
        await runner.query('select pg_advisory_unlock($1)', [RETENTION_LOCK]);
      }
    } finally {
      await runner.release();
    }
  }

  /** Deletes in bounded batches until none is older: each statement holds its locks briefly. */
  private async deleteOlder(
    what: 'attempts' | 'deliveries' | 'stats' | 'events',
    cutoff: Date,
    batch: number,
    manager: EntityManager,
  ): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.deliveryLog.deleteOlderThan(what, cutoff, batch, manager);
      total += n;
      if (n < batch) return total;
    }
  }
}
