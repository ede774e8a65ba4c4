import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

/** How long an ingested event id is remembered: a repeat within it publishes nothing. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 3600_000;

/** `ingested_events`: the ids of events accepted by POST /v1/events, per project, for 24 h. */
@Injectable()
export class IngestedEventsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Claims an event id in the caller's transaction: true when it is new (or was last seen before
   * the window), false for a repeat. A concurrent claim of the same id waits on the row until the
   * first transaction ends, so a failed publish (rolled back) lets the repeat publish instead.
   */
  async claim(
    manager: EntityManager,
    projectId: string,
    id: string,
    event: string,
  ): Promise<boolean> {
    const rows = (await manager.query(
      `insert into ingested_events (project_id, id, event) values ($1, $2, $3)
       on conflict (project_id, id) do update set event = excluded.event, received_at = now()
         where ingested_events.received_at < now() - $4::float8 * interval '1 millisecond'
       returning id`,
      [projectId, id, event, IDEMPOTENCY_WINDOW_MS],
    )) as unknown[];
    return rows.length === 1;
  }

  /** Forgets ids older than the window; returns how many. */
  async purgeExpired(): Promise<number> {
    const [, affected] = (await this.dataSource.query(
      `delete from ingested_events where received_at < now() - $1::float8 * interval '1 millisecond'`,
      [IDEMPOTENCY_WINDOW_MS],
    )) as [unknown, number];
    return affected;
  }
}
