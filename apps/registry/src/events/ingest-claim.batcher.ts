import type { DataSource, EntityManager } from 'typeorm';
import type { PreparedEvent } from '@hookline/producer';
import type { IngestedEventsRepository } from './ingested-events.repository';

/** Events claimed and published per transaction at most. */
const MAX_BATCH = 500;

interface Waiter {
  resolve(): void;
  reject(e: unknown): void;
}

interface Pending {
  projectId: string;
  event: PreparedEvent;
  waiters: Waiter[];
}

/**
 * Publishes events that carry an id at most once per idempotency window, for many concurrent
 * requests at the cost of one transaction: the ids waiting meanwhile are claimed by one multi-row
 * insert, the new ones are published, then the claims commit. A failed publish rolls every claim
 * of the batch back, so a retry publishes. One batch is in flight at a time; what arrives meanwhile
 * forms the next one (a repeat of an id in flight waits on its row, then finds it taken).
 *
 * A repeat within a batch joins the first request with that id and gets its outcome. Rows are
 * inserted in key order, so two replicas' batches lock them in the same order and cannot deadlock.
 */
export class IngestClaimBatcher {
  private queue = new Map<string, Pending>();
  private flushing?: Promise<void>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly ingested: IngestedEventsRepository,
    private readonly publish: (events: PreparedEvent[]) => Promise<void>,
  ) {}

  /** Resolves once the event is on Kafka, now or by an earlier request with its id. */
  publishOnce(projectId: string, event: PreparedEvent): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const key = `${projectId}\u0000${event.envelope.id}`;
      const pending = this.queue.get(key);
      if (pending) pending.waiters.push({ resolve, reject });
      else this.queue.set(key, { projectId, event, waiters: [{ resolve, reject }] });
      this.flushing ??= new Promise<void>((r) => setImmediate(r)).then(() => this.flushAll());
    });
  }

  private async flushAll(): Promise<void> {
    while (this.queue.size > 0) await this.flush(this.take());
    this.flushing = undefined;
  }

  private take(): Pending[] {
    const batch: Pending[] = [];
    for (const [key, pending] of this.queue) {
      if (batch.length === MAX_BATCH) break;
      batch.push(pending);
      this.queue.delete(key);
    }
    return batch;
  }

  private async flush(batch: Pending[]): Promise<void> {
    batch.sort((a, b) =>
      a.projectId === b.projectId
        ? compare(a.event.envelope.id, b.event.envelope.id)
        : compare(a.projectId, b.projectId),
    );
    let claimed: Set<Pending> | undefined;
    try {
      await this.dataSource.transaction(async (manager: EntityManager) => {
        const taken = await this.ingested.claimMany(
          manager,
          batch.map((p) => ({
            projectId: p.projectId,
            id: p.event.envelope.id,
            event: p.event.envelope.event,
          })),
        );
        claimed = new Set(batch.filter((_, i) => taken[i]));
        if (claimed.size > 0)
          await this.publish(batch.filter((p) => claimed!.has(p)).map((p) => p.event));
      });
    } catch (e) {
      for (const p of batch) {
        // A repeat's own claim committed earlier: it stands whatever became of this batch.
        if (claimed && !claimed.has(p)) settle(p, 'resolve');
        else settle(p, 'reject', e);
      }
      return;
    }
    for (const p of batch) settle(p, 'resolve');
  }
}

function settle(p: Pending, how: 'resolve' | 'reject', error?: unknown): void {
  for (const w of p.waiters) {
    if (how === 'resolve') w.resolve();
    else w.reject(error);
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
