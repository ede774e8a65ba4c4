import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

/** How long an ingested event id is remembered: a repeat within it publishes nothing. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 3600_000;

/** `ingested_events`: the ids of events accepted by POST /v1/events, per project, for 24 h. */
@Injectable()
export class IngestedEventsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Claims event ids in the caller's transaction, in the order given (callers sort them, so that
   * concurrent claims lock rows in one order); for each, true when it is new (or was last seen
   * before the window), false for a repeat. A concurrent claim of the same id waits on the row
   * until the first transaction ends, so a failed publish (rolled back) lets the repeat publish
   * instead. The ids must be distinct.
   */
  async claimMany(
    manager: EntityManager,
    claims: readonly { projectId: string; id: string; event: string }[],
  ): Promise<boolean[]> {
    const rows = (await manager.query(
      `insert into ingested_events (project_id, id, event)
       select c.project_id, c.id, c.event
         from unnest($1::text[], $2::text[], $3::text[]) with ordinality as c(project_id, id, event, n)
        order by c.n
       on conflict (project_id, id) do update set event = excluded.event, received_at = now()
         where ingested_events.received_at < now() - $4::float8 * interval '1 millisecond'
       returning project_id, id`,
      [
        claims.map((c) => c.projectId),
        claims.map((c) => c.id),
        claims.map((c) => c.event),
        IDEMPOTENCY_WINDOW_MS,
      ],
    )) as { project_id: string; id: string }[];
    const taken = new Set(rows.map((r) => `${r.project_id}\u0000${r.id}`));
    return claims.map((c) => taken.has(`${c.projectId}\u0000${c.id}`));
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
