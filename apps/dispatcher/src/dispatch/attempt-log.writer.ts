import type { DataSource } from 'typeorm';
import { DeliveryLogRepository, type AttemptRecord } from '@hookline/persistence';
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
 * N) go in one multi-row statement, never one round trip per attempt. `record` resolves once its
 * row is durable, so the caller can count the attempt as finished only then. A failed write is
 * retried (the rows stay in order) until it succeeds or the writer is closed.
 */
export class AttemptLogWriter {
  private readonly batcher: MicroBatcher<AttemptRecord>;
  private readonly repository: DeliveryLogRepository;
  private closed = false;
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
            await this.write(rows);
            return;
          } catch (e) {
            if (this.closed) throw e;
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

  record(row: AttemptRecord): Promise<void> {
    return this.batcher.add([{ item: row, bytes: 512 + (row.responseBody?.length ?? 0) }]);
  }

  get pending(): number {
    return this.batcher.pending;
  }

  async close(): Promise<void> {
    await this.batcher.drain();
    this.closed = true;
  }

  private async write(rows: AttemptRecord[]): Promise<void> {
    await this.repository.writeAttempts(rows);
    this.flushes++;
    this.rowsWritten += rows.length;
  }
}
