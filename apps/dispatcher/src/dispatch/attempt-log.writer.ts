import type { DataSource } from 'typeorm';
import {
  attemptRowBytes,
  DeliveryLogRepository,
  isDeterministicDataError,
  postgresSafe,
  type AttemptRecord,
} from '@hookline/persistence';
import { MicroBatcher } from '@hookline/producer';
import type { Logger } from '@hookline/telemetry';

export type { AttemptRecord };

export interface AttemptLogWriterOptions {
  /** Rows gathered at most this long before a write. */
  lingerMs?: number;
  maxRows?: number;
  retryDelayMs?: number;
}

/**
 * Writes the delivery log in batches: the attempts of the last few milliseconds (or the first
 * 500, or the first 8 MB counting the events they log) go in one multi-row statement, never one
 * round trip per attempt. `record` resolves once its
 * row is durable, so the caller can count the attempt as finished only then.
 *
 * Two kinds of failure, two answers. A passing one (connection lost, Postgres restarting) is
 * retried, the rows in order, until it succeeds or the writer is closed; `stalledForMs` says how
 * long, for readiness. One that repeats for the same row (a data exception: one tenant's text
 * that Postgres refuses) must not hold everyone's rows behind it: the batch is written row by
 * row, and a refused row is written again in a form Postgres accepts (see postgresSafe); a row
 * refused even then is dropped with an error in the log — never retried forever.
 */
export class AttemptLogWriter {
  private readonly batcher: MicroBatcher<AttemptRecord>;
  private readonly repository: DeliveryLogRepository;
  private closed = false;
  private stalledSince?: number;
  /** Rows Postgres refused even in their safe form: dropped from the log. */
  rowsRefused = 0;
  /** Flushes done, and rows written, for metrics and tests. */
  flushes = 0;
  rowsWritten = 0;

  constructor(
    dataSource: DataSource,
    private readonly log: Logger,
    options: AttemptLogWriterOptions = {},
  ) {
    this.repository = new DeliveryLogRepository(dataSource);
    const retryDelayMs = options.retryDelayMs ?? 500;
    this.batcher = new MicroBatcher<AttemptRecord>(
      async (rows) => {
        for (;;) {
          try {
            await this.writeIsolating(rows);
            this.stalledSince = undefined;
            return;
          } catch (e) {
            if (this.closed) throw e;
            this.stalledSince ??= Date.now();
            this.log.error({ err: e, rows: rows.length }, 'delivery log write failed; retrying');
            await new Promise((r) => setTimeout(r, retryDelayMs));
          }
        }
      },
      {
        maxItems: options.maxRows ?? 500,
        maxBytes: 8 * 1024 * 1024,
        lingerMs: options.lingerMs ?? 20,
      },
    );
  }

  /** `eventBytes`: the size of the row's event when known (see attemptRowBytes). */
  record(row: AttemptRecord, eventBytes?: number): Promise<void> {
    return this.batcher.add([{ item: row, bytes: attemptRowBytes(row, eventBytes) }]);
  }

  /** How long writes have been failing (0: not failing). */
  stalledForMs(now = Date.now()): number {
    return this.stalledSince === undefined ? 0 : Math.max(1, now - this.stalledSince);
  }

  get pending(): number {
    return this.batcher.pending;
  }

  /**
   * Writes what is queued, waiting at most `timeoutMs` while writes fail (Postgres down): then
   * the rows not written are given up — their tasks stay uncommitted, and are repeated by the
   * next consumer — so shutdown ends within its grace period.
   */
  async close(timeoutMs = 3000): Promise<void> {
    const drained = this.batcher.drain().catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([drained, new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    this.closed = true;
    await drained;
  }

  /** The batch in one statement; when a row is refused for good, row by row (see the class). */
  private async writeIsolating(rows: AttemptRecord[]): Promise<void> {
    try {
      await this.write(rows);
      return;
    } catch (e) {
      if (!isDeterministicDataError(e)) throw e;
    }
    for (const row of rows) {
      try {
        await this.write([row]);
        continue;
      } catch (e) {
        if (!isDeterministicDataError(e)) throw e;
      }
      try {
        await this.write([postgresSafe(row)]);
        this.log.warn(
          { deliveryId: row.deliveryId, webhookId: row.webhookId },
          'delivery log row held text Postgres refuses; written with it replaced',
        );
      } catch (e) {
        if (!isDeterministicDataError(e)) throw e;
        this.rowsRefused++;
        this.log.error(
          { err: e, deliveryId: row.deliveryId, webhookId: row.webhookId },
          'delivery log row refused by Postgres; dropped from the log',
        );
      }
    }
  }

  private async write(rows: AttemptRecord[]): Promise<void> {
    await this.repository.writeAttempts(rows);
    this.flushes++;
    this.rowsWritten += rows.length;
  }
}
