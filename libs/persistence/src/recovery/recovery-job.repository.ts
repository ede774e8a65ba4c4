import type { DataSource, EntityManager } from 'typeorm';
import type { DeliveryStatus } from '@hookline/contracts';

/**
 * The only code that reads or writes `recovery_jobs`: a request to re-send the deliveries of a
 * window (a webhook's failed and skipped ones, or any filter's), worked in batches by the
 * registry's RecoveryRunner. The job row holds the position reached (`after_us`, `after_id`: the
 * last delivery sent, in (created_at, id) order), so a restarted registry resumes where it was.
 */

export type RecoveryJobStatus = 'running' | 'done' | 'failed';

/** Which deliveries a job re-sends: those created in [since, until) matching the rest. */
export interface RecoveryFilter {
  projectId: string;
  /** null: every webhook of the project. */
  webhookId: string | null;
  statuses: DeliveryStatus[];
  eventType: string | null;
  since: Date;
  until: Date;
}

export interface RecoveryJobRow extends RecoveryFilter {
  id: string;
  requestKey: string;
  status: RecoveryJobStatus;
  total: number;
  sent: number;
  /** Position reached: created_at in microseconds since the epoch, and id, of the last sent. */
  afterUs: string | null;
  afterId: string | null;
  error: string | null;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

/** What one batch did, for the job row. */
export interface RecoveryProgress {
  sent: number;
  after: { us: string; id: string } | null;
  /** No delivery is left after this batch. */
  done: boolean;
  /** The job cannot go on (its webhook was disabled or deleted). */
  error?: string;
}

const COLUMNS = `id, project_id as "projectId", webhook_id as "webhookId", request_key as "requestKey",
  statuses, event_type as "eventType", since, until, status, total, sent, after_us::text as "afterUs",
  after_id as "afterId", error, created_at as "createdAt", updated_at as "updatedAt", finished_at as "finishedAt"`;

export class RecoveryJobRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Creates the job, or answers the one the same request (`requestKey`) created before:
   * `created` says which. A job of that request that failed (its webhook was disabled) runs
   * again from where it stopped.
   */
  async create(
    job: Pick<RecoveryJobRow, 'id' | 'requestKey' | 'total'> & RecoveryFilter,
  ): Promise<{ job: RecoveryJobRow; created: boolean }> {
    const [inserted]: (RecoveryJobRow & { created: boolean })[] = await this.dataSource.query(
      `insert into recovery_jobs as j (id, project_id, webhook_id, request_key, statuses, event_type, since, until, status, total)
       values ($1, $2, $3, $4, $5, $6, $7, $8, 'running', $9)
       on conflict (project_id, request_key) do update
         set status = 'running', error = null, finished_at = null, updated_at = now()
         where j.status = 'failed'
       returning ${COLUMNS}, (xmax = 0) as created`,
      [
        job.id,
        job.projectId,
        job.webhookId,
        job.requestKey,
        job.statuses,
        job.eventType,
        job.since,
        job.until,
        job.total,
      ],
    );
    if (inserted) {
      const { created, ...row } = inserted;
      return { job: row, created };
    }
    const [existing]: RecoveryJobRow[] = await this.dataSource.query(
      `select ${COLUMNS} from recovery_jobs where project_id = $1 and request_key = $2`,
      [job.projectId, job.requestKey],
    );
    return { job: existing!, created: false };
  }

  async find(projectId: string, id: string): Promise<RecoveryJobRow | null> {
    const [row]: RecoveryJobRow[] = await this.dataSource.query(
      `select ${COLUMNS} from recovery_jobs where id = $1 and project_id = $2`,
      [id, projectId],
    );
    return row ?? null;
  }

  /** Ids of jobs not finished, oldest first. */
  async running(limit: number): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `select id from recovery_jobs where status = 'running' order by created_at limit $1`,
      [limit],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Works one batch of a running job while holding its row locked, so that one replica at a
   * time works a job; answers false, without waiting, when another holds it (or it has ended).
   * `work` runs inside the transaction and its progress is committed with the row: a crash
   * before the commit repeats the batch (at least once, like every delivery).
   */
  async workBatch(
    id: string,
    work: (job: RecoveryJobRow, manager: EntityManager) => Promise<RecoveryProgress>,
  ): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const [job]: RecoveryJobRow[] = await manager.query(
        `select ${COLUMNS} from recovery_jobs where id = $1 and status = 'running' for update skip locked`,
        [id],
      );
      if (!job) return false;
      const p = await work(job, manager);
      const status: RecoveryJobStatus = p.error ? 'failed' : p.done ? 'done' : 'running';
      await manager.query(
        `update recovery_jobs set sent = sent + $2,
           after_us = coalesce($3::bigint, after_us), after_id = coalesce($4, after_id),
           status = $5, error = $6, updated_at = now(),
           -- deliveries that failed after the count was taken are sent too
           total = case when $5 = 'done' then greatest(total, sent + $2) else total end,
           finished_at = case when $5 = 'running' then null else now() end
         where id = $1`,
        [id, p.sent, p.after?.us ?? null, p.after?.id ?? null, status, p.error ?? null],
      );
      return true;
    });
  }

  /** Deletes up to `batch` finished jobs created before `cutoff`; answers how many. */
  async deleteFinishedOlderThan(cutoff: Date, batch: number, manager?: EntityManager) {
    const [{ n }] = (await (manager ?? this.dataSource.manager).query(
      `with gone as (delete from recovery_jobs where id in (
         select id from recovery_jobs where status <> 'running' and created_at < $1 limit $2) returning 1)
       select count(*)::int as n from gone`,
      [cutoff, batch],
    )) as [{ n: number }];
    return n;
  }
}
