import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `published_events`: a compact record of each event that matched a webhook (no payload: the
 * deliveries carry it), written with the delivery log and kept as long as it. `recovery_jobs`:
 * re-sending a webhook's failed and skipped deliveries (or a filter's) in the background.
 */
export class RecoveriesAndEventRecords1765210001000 implements MigrationInterface {
  name = 'RecoveriesAndEventRecords1765210001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table published_events (
        project_id text not null,
        id text not null,
        type text not null,
        occurred_at timestamptz not null,
        created_at timestamptz not null default now(),
        primary key (project_id, id)
      )`);
    await q.query(
      `create index published_events_project_occurred on published_events (project_id, occurred_at desc, id desc)`,
    );
    // Retention deletes by age.
    await q.query(`create index published_events_created_at on published_events (created_at)`);
    // "Which endpoints got this event": GET /v1/events/{id}/deliveries.
    await q.query(`create index deliveries_event on deliveries (event_id)`);

    await q.query(`
      create table recovery_jobs (
        id text primary key,
        project_id text not null,
        webhook_id text,
        request_key text not null,
        statuses text[] not null,
        event_type text,
        since timestamptz not null,
        until timestamptz not null,
        status text not null check (status in ('running', 'done', 'failed')),
        total int not null,
        sent int not null default 0,
        after_us bigint,
        after_id text,
        error text,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        finished_at timestamptz
      )`);
    // The same request names the same job (idempotent recover).
    await q.query(
      `create unique index recovery_jobs_request on recovery_jobs (project_id, request_key)`,
    );
    await q.query(
      `create index recovery_jobs_running on recovery_jobs (created_at) where status = 'running'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table if exists recovery_jobs`);
    await q.query(`drop index if exists deliveries_event`);
    await q.query(`drop table if exists published_events`);
  }
}
