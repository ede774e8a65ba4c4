import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The event-type catalog as data (`event_types`) and its outbox (`event_type_changes`), relayed
 * in order to the compacted `hookline.catalog.changelog`. The built-in types are seeded at boot
 * by the registry, from libs/contracts.
 */
export class EventTypes1765065600000 implements MigrationInterface {
  name = 'EventTypes1765065600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table event_types (
        name text primary key,
        description text not null,
        schema jsonb not null,
        example jsonb not null,
        version integer not null,
        deprecated boolean not null default false,
        built_in boolean not null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )`);
    await q.query(`
      create table event_type_changes (
        seq bigserial primary key,
        name text not null,
        state jsonb not null,
        occurred_at timestamptz not null default now(),
        published_at timestamptz
      )`);
    await q.query(
      `create index event_type_changes_unpublished on event_type_changes (seq) where published_at is null`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table if exists event_type_changes`);
    await q.query(`drop table if exists event_types`);
  }
}
