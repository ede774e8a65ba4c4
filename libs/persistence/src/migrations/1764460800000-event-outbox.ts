import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The transactional outbox of domain events (`event_outbox`), for producers using @hookline/producer. */
export class EventOutbox1764460800000 implements MigrationInterface {
  name = 'EventOutbox1764460800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table event_outbox (
        seq bigserial primary key,
        event_id text not null unique,
        project_id text not null,
        event_type text not null,
        envelope jsonb not null,
        headers jsonb not null default '{}'::jsonb,
        created_at timestamptz not null default now(),
        published_at timestamptz
      )`);
    // The relay reads only what is still to publish; a partial index keeps that scan tiny.
    await q.query(
      `create index event_outbox_unpublished on event_outbox (seq) where published_at is null`,
    );
    // Published rows are purged by age.
    await q.query(
      `create index event_outbox_published_at on event_outbox (published_at) where published_at is not null`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table if exists event_outbox`);
  }
}
