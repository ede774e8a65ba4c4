import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `deliveries` and `delivery_attempts` become range-partitioned by day (UTC) on the delivery's
 * birth time — `deliveries.created_at`, and `delivery_attempts.delivery_created_at`, a copy of it,
 * so a delivery and its attempts share a day and retention drops both as whole partitions
 * instead of deleting rows. The keys carry the partition key ((id, created_at), (id,
 * delivery_created_at)), as Postgres requires. A default partition takes any row whose day has no
 * partition (a time far off the clock); the application creates the days ahead (see
 * DeliveryLogPartitions). Rows are copied over; attempts whose delivery is gone take their own
 * start time. Self-contained SQL: a later change to the application's partition code must not
 * change what this migration does.
 */
export class PartitionedDeliveryLog1765270000000 implements MigrationInterface {
  name = 'PartitionedDeliveryLog1765270000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table deliveries rename to deliveries_unpartitioned`);
    await q.query(`alter table delivery_attempts rename to delivery_attempts_unpartitioned`);
    // The attempt ids go on from where they are: the sequence outlives the old table.
    await q.query(`alter sequence delivery_attempts_id_seq owned by none`);

    await q.query(`
      create table deliveries (
        id text not null,
        webhook_id text not null,
        project_id text not null,
        event_id text not null,
        event_type text not null,
        status text not null,
        attempts int not null default 0,
        next_attempt_at timestamptz,
        last_error text,
        event jsonb not null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        chain bigint not null default 0,
        constraint deliveries_status_check check (status in ('pending', 'succeeded', 'failed', 'skipped'))
      ) partition by range (created_at)`);
    await q.query(`
      create table delivery_attempts (
        id bigint not null default nextval('delivery_attempts_id_seq'),
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
        started_at timestamptz not null,
        delivery_created_at timestamptz not null
      ) partition by range (delivery_created_at)`);
    await q.query(`create table deliveries_default partition of deliveries default`);
    await q.query(`create table delivery_attempts_default partition of delivery_attempts default`);

    // A partition for each day that has rows (up to 400 days back; older ones go to the default
    // partition, which retention trims row by row) and for yesterday to three days ahead.
    await q.query(`
      do $$
      declare
        d date;
        lo timestamptz;
      begin
        for d in
          select day from (
            select distinct (created_at at time zone 'UTC')::date as day from deliveries_unpartitioned
            union
            select distinct (a.started_at at time zone 'UTC')::date from delivery_attempts_unpartitioned a
              where not exists (select 1 from deliveries_unpartitioned x where x.id = a.delivery_id)
            union
            select (now() at time zone 'UTC')::date + i from generate_series(-1, 3) i
          ) days
          where day >= (now() at time zone 'UTC')::date - 400
            and day <= (now() at time zone 'UTC')::date + 3
        loop
          lo := d::timestamp at time zone 'UTC';
          execute format('create table %I partition of deliveries for values from (%L) to (%L)',
            'deliveries_p' || to_char(d, 'YYYYMMDD'), lo, lo + interval '1 day');
          execute format('create table %I partition of delivery_attempts for values from (%L) to (%L)',
            'delivery_attempts_p' || to_char(d, 'YYYYMMDD'), lo, lo + interval '1 day');
        end loop;
      end $$`);

    await q.query(`
      insert into deliveries (id, webhook_id, project_id, event_id, event_type, status, attempts,
        next_attempt_at, last_error, event, created_at, updated_at, chain)
      select id, webhook_id, project_id, event_id, event_type, status, attempts,
        next_attempt_at, last_error, event, created_at, updated_at, chain
      from deliveries_unpartitioned`);
    await q.query(`
      insert into delivery_attempts (id, delivery_id, webhook_id, attempt, trigger, url,
        request_headers, response_status, response_body, duration_ms, error_class, error,
        started_at, delivery_created_at)
      select a.id, a.delivery_id, a.webhook_id, a.attempt, a.trigger, a.url,
        a.request_headers, a.response_status, a.response_body, a.duration_ms, a.error_class, a.error,
        a.started_at, coalesce(d.created_at, a.started_at)
      from delivery_attempts_unpartitioned a left join deliveries_unpartitioned d on d.id = a.delivery_id`);
    await q.query(`drop table delivery_attempts_unpartitioned`);
    await q.query(`drop table deliveries_unpartitioned`);
    await q.query(`alter sequence delivery_attempts_id_seq owned by delivery_attempts.id`);

    // Indexes after the copy (one build instead of row-by-row upkeep). The created_at and
    // started_at indexes are gone: retention drops partitions, and trims the small default
    // partition alone by row.
    await q.query(
      `alter table deliveries add constraint deliveries_pkey primary key (id, created_at)`,
    );
    await q.query(
      `alter table delivery_attempts add constraint delivery_attempts_pkey primary key (id, delivery_created_at)`,
    );
    await q.query(
      `create index deliveries_webhook_created on deliveries (webhook_id, created_at desc, id desc)`,
    );
    await q.query(
      `create index deliveries_project_created on deliveries (project_id, created_at desc, id desc)`,
    );
    await q.query(`create index deliveries_event on deliveries (event_id)`);
    await q.query(
      `create index delivery_attempts_delivery on delivery_attempts (delivery_id, attempt)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`alter table deliveries rename to deliveries_partitioned`);
    await q.query(`alter table delivery_attempts rename to delivery_attempts_partitioned`);
    await q.query(`alter table deliveries_partitioned drop constraint deliveries_pkey`);
    await q.query(
      `alter table delivery_attempts_partitioned drop constraint delivery_attempts_pkey`,
    );
    for (const index of [
      'deliveries_webhook_created',
      'deliveries_project_created',
      'deliveries_event',
      'delivery_attempts_delivery',
    ])
      await q.query(`drop index ${index}`);
    await q.query(`alter sequence delivery_attempts_id_seq owned by none`);
    await q.query(`
      create table deliveries (
        id text primary key,
        webhook_id text not null,
        project_id text not null,
        event_id text not null,
        event_type text not null,
        status text not null,
        attempts int not null default 0,
        next_attempt_at timestamptz,
        last_error text,
        event jsonb not null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        chain bigint not null default 0,
        constraint deliveries_status_check check (status in ('pending', 'succeeded', 'failed', 'skipped'))
      )`);
    await q.query(`
      create table delivery_attempts (
        id bigint primary key default nextval('delivery_attempts_id_seq'),
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
    // A delivery id may sit in two partitions (one event published twice a day apart): keep the
    // newer row, whose status is the later one.
    await q.query(`
      insert into deliveries
      select distinct on (id) id, webhook_id, project_id, event_id, event_type, status, attempts,
        next_attempt_at, last_error, event, created_at, updated_at, chain
      from deliveries_partitioned order by id, created_at desc`);
    await q.query(`
      insert into delivery_attempts
      select id, delivery_id, webhook_id, attempt, trigger, url, request_headers, response_status,
        response_body, duration_ms, error_class, error, started_at
      from delivery_attempts_partitioned`);
    await q.query(`drop table delivery_attempts_partitioned`);
    await q.query(`drop table deliveries_partitioned`);
    await q.query(`alter sequence delivery_attempts_id_seq owned by delivery_attempts.id`);
    await q.query(
      `create index deliveries_webhook_created on deliveries (webhook_id, created_at desc, id desc)`,
    );
    await q.query(`create index deliveries_created_at on deliveries (created_at)`);
    await q.query(
      `create index deliveries_project_created on deliveries (project_id, created_at desc, id desc)`,
    );
    await q.query(`create index deliveries_event on deliveries (event_id)`);
    await q.query(
      `create index delivery_attempts_delivery on delivery_attempts (delivery_id, attempt)`,
    );
    await q.query(`create index delivery_attempts_started_at on delivery_attempts (started_at)`);
  }
}
