import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1763856000000 implements MigrationInterface {
  name = 'InitialSchema1763856000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table projects (
        id text primary key,
        name text not null,
        created_at timestamptz not null default now()
      )`);
    await q.query(`
      create table api_keys (
        id text primary key,
        project_id text not null references projects(id) on delete cascade,
        name text,
        key_prefix text not null,
        key_hash text not null,
        created_by text,
        created_at timestamptz not null default now(),
        revoked_at timestamptz
      )`);
    await q.query(`create unique index api_keys_key_hash on api_keys (key_hash)`);
    await q.query(`create index api_keys_project on api_keys (project_id)`);

    await q.query(`
      create table webhook_events (
        seq bigserial primary key,
        aggregate_id text not null,
        project_id text not null,
        version int not null,
        type text not null,
        actor text,
        occurred_at timestamptz not null default now(),
        change jsonb not null,
        state jsonb,
        published_at timestamptz
      )`);
    await q.query(
      `create unique index webhook_events_aggregate_version on webhook_events (aggregate_id, version)`,
    );
    // The relay reads only what is still to publish; a partial index keeps that scan tiny.
    await q.query(
      `create index webhook_events_unpublished on webhook_events (seq) where published_at is null`,
    );

    await q.query(`
      create table webhooks (
        id text primary key,
        project_id text not null references projects(id) on delete cascade,
        url text not null,
        events text[] not null,
        description text,
        active boolean not null,
        disabled_reason text,
        signature_scheme text not null,
        secrets jsonb not null,
        version int not null,
        consecutive_failures int not null default 0,
        created_at timestamptz not null,
        updated_at timestamptz not null,
        created_by text,
        updated_by text
      )`);
    await q.query(`create index webhooks_project_id on webhooks (project_id, id)`);

    await q.query(`
      create table ingested_events (
        project_id text not null,
        id text not null,
        event text not null,
        received_at timestamptz not null default now(),
        primary key (project_id, id)
      )`);
    await q.query(`create index ingested_events_received_at on ingested_events (received_at)`);

    await q.query(`
      create table deliveries (
        id text primary key,
        webhook_id text not null,
        project_id text not null,
        event_id text not null,
        event_type text not null,
        status text not null check (status in ('pending', 'succeeded', 'failed')),
        attempts int not null default 0,
        next_attempt_at timestamptz,
        last_error text,
        event jsonb not null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )`);
    await q.query(
      `create index deliveries_webhook_created on deliveries (webhook_id, created_at desc, id desc)`,
    );
    // Retention deletes by age; this index makes that a range scan.
    await q.query(`create index deliveries_created_at on deliveries (created_at)`);

    await q.query(`
      create table delivery_attempts (
        id bigserial primary key,
        delivery_id text not null,
        webhook_id text not null,
        attempt int not null,
        trigger text not null default 'automatic',
        url text not null,
        request_headers jsonb not null,
        response_status int,
        response_body text,
        duration_ms int not null,
        error_class text,
        error text,
        started_at timestamptz not null
      )`);
    await q.query(
      `create index delivery_attempts_delivery on delivery_attempts (delivery_id, attempt)`,
    );
    await q.query(`create index delivery_attempts_started_at on delivery_attempts (started_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'delivery_attempts',
      'deliveries',
      'ingested_events',
      'webhooks',
      'webhook_events',
      'api_keys',
      'projects',
    ]) {
      await q.query(`drop table if exists ${table}`);
    }
  }
}
