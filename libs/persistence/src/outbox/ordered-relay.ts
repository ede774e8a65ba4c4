import type { DataSource, QueryRunner } from 'typeorm';

/** A row of an outbox table: `seq` (bigserial, the publish order) plus the columns read. */
export interface OutboxRow {
  seq: string;
}

export interface OrderedRelayOptions<Row extends OutboxRow> {
  dataSource: DataSource;
  /** An outbox table with `seq bigserial` and `published_at timestamptz` (null until published). */
  table: string;
  /** Postgres advisory lock id: only the relay holding it publishes, so one relay runs per table. */
  lockKey: number;
  /** Channel the writers `pg_notify` in their transaction: a commit wakes the relay at once. */
  channel?: string;
  /** Columns to read (default `*`). */
  columns?: string;
  batchSize?: number;
  /** Fallback poll when no notification arrives, and the wait of a standby relay for the lock. */
  pollIntervalMs?: number;
  /** Wait after a failed publish or a lost connection before trying again. */
  retryDelayMs?: number;
  /**
   * Publishes rows, in the order given; resolves only once they are durably published (a throw
   * leaves them unpublished, to be retried in the same order).
   */
  publish(rows: Row[]): Promise<void>;
  onError?(error: unknown): void;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

class PublishFailed extends Error {
  constructor(override readonly cause: unknown) {
    super('publish failed');
  }
}

/**
 * Relays the committed rows of an outbox table in `seq` order and marks them published. Shared by
 * every outbox of the platform (the registry's webhook_events, producers' event_outbox).
 *
 * Delivery is at least once: a crash between the publish and the mark publishes those rows again
 * after the restart, so consumers deduplicate on the event id. A rolled-back row is never seen.
 */
export class OrderedRelay<Row extends OutboxRow = OutboxRow> {
  private runner?: QueryRunner;
  private leader = false;
  private stopping = false;
  private loop?: Promise<void>;
  private wakeUp?: () => void;
  private wakePending = false;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly retryDelayMs: number;

  constructor(private readonly options: OrderedRelayOptions<Row>) {
    if (!IDENTIFIER.test(options.table)) throw new Error(`not a table name: ${options.table}`);
    if (options.channel !== undefined && !IDENTIFIER.test(options.channel)) {
      throw new Error(`not a channel name: ${options.channel}`);
    }
    this.batchSize = options.batchSize ?? 200;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.retryDelayMs = options.retryDelayMs ?? 1000;
  }

  /** True while this relay holds the lock and publishes. */
  get isLeader(): boolean {
    return this.leader;
  }

  get isRunning(): boolean {
    return this.loop !== undefined;
  }

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.run().finally(() => (this.loop = undefined));
  }

  /** Finishes the batch in progress, releases the lock and the connection. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loop;
  }

  /** Looks for new rows now (a writer in this process committed). */
  wake(): void {
    if (this.wakeUp) this.wakeUp();
    else this.wakePending = true;
  }

  private async run(): Promise<void> {
    try {
      while (!this.stopping) {
        let delay = this.pollIntervalMs;
        try {
          const runner = await this.connection();
          if (!this.leader) this.leader = await this.tryLock(runner);
          if (this.leader && (await this.relayBatch(runner)) === this.batchSize) continue;
        } catch (e) {
          const failedPublish = e instanceof PublishFailed;
          this.options.onError?.(failedPublish ? e.cause : e);
          // A database error may have cost the session (and the lock with it): start over. A failed
          // publish keeps both, and the same rows are tried again.
          if (!failedPublish) await this.releaseConnection(e);
          delay = this.retryDelayMs;
        }
        await this.sleep(delay);
      }
    } finally {
      await this.releaseConnection();
    }
  }

  /** One batch: returns the number of rows published. */
  private async relayBatch(runner: QueryRunner): Promise<number> {
    const { table, columns = '*' } = this.options;
    const rows = (await runner.query(
      `select ${columns} from ${table} where published_at is null order by seq limit $1`,
      [this.batchSize],
    )) as Row[];
    if (rows.length === 0) return 0;
    try {
      await this.options.publish(rows);
    } catch (e) {
      throw new PublishFailed(e);
    }
    await runner.query(`update ${table} set published_at = now() where seq = any($1::bigint[])`, [
      rows.map((r) => r.seq),
    ]);
    return rows.length;
  }

  private async connection(): Promise<QueryRunner> {
    if (this.runner && !this.runner.isReleased) return this.runner;
    const runner = this.options.dataSource.createQueryRunner();
    try {
      const client = (await runner.connect()) as {
        on(event: 'notification', fn: () => void): void;
        on(event: 'error', fn: (e: Error) => void): void;
      };
      client.on('notification', () => this.wake());
      // A dropped connection also drops the lock: stand down and reconnect.
      client.on('error', (e) => {
        this.leader = false;
        void releaseToPool(runner, e).catch(() => undefined);
      });
      if (this.options.channel) await runner.query(`listen ${this.options.channel}`);
    } catch (e) {
      await runner.release().catch(() => undefined);
      throw e;
    }
    this.runner = runner;
    return runner;
  }

  private async tryLock(runner: QueryRunner): Promise<boolean> {
    const [row] = (await runner.query('select pg_try_advisory_lock($1) as locked', [
      this.options.lockKey,
    ])) as { locked: boolean }[];
    return row?.locked === true;
  }

  /** `failure`: what went wrong on this connection, if anything (it is then not reused). */
  private async releaseConnection(failure?: unknown): Promise<void> {
    const runner = this.runner;
    this.runner = undefined;
    if (!runner || runner.isReleased) {
      this.leader = false;
      return;
    }
    let broken = failure;
    try {
      if (this.leader) await runner.query('select pg_advisory_unlock($1)', [this.options.lockKey]);
      if (this.options.channel) await runner.query(`unlisten ${this.options.channel}`);
    } catch (e) {
      // The connection is going away anyway; Postgres drops the lock and the listener with it.
      broken ??= e;
    } finally {
      this.leader = false;
      await releaseToPool(runner, broken).catch(() => undefined);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.wakePending || this.stopping) {
      this.wakePending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }
}

/**
 * Gives the connection back to the pool, or with an error, out of it: a session Postgres has just
 * ended answers the failed query before the socket closes, and a plain release in between puts
 * the dying connection back in the pool for the next request to fail on.
 */
function releaseToPool(runner: QueryRunner, failure: unknown): Promise<void> {
  const postgres = runner as QueryRunner & { releasePostgresConnection?(e?: Error): Promise<void> };
  if (failure !== undefined && postgres.releasePostgresConnection)
    return postgres.releasePostgresConnection(
      failure instanceof Error ? failure : new Error(String(failure)),
    );
  return runner.release();
}
