import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `delivery_stats_minute`: attempts per webhook and minute by outcome, with a latency histogram
 * (buckets of LATENCY_BUCKETS_MS), kept by the delivery-log writer for the stats endpoints; and
 * the index the project-wide delivery log pages on.
 */
export class DeliveryStats1764979200000 implements MigrationInterface {
  name = 'DeliveryStats1764979200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table delivery_stats_minute (
        webhook_id text not null,
        project_id text not null,
        minute timestamptz not null,
        succeeded int not null default 0,
        failed int not null default 0,
        retried int not null default 0,
        latency int[] not null,
        last_attempt_at timestamptz not null,
        primary key (webhook_id, minute)
      )`);
    await q.query(
      `create index delivery_stats_minute_project on delivery_stats_minute (project_id, minute)`,
    );
    await q.query(
      `create index deliveries_project_created on deliveries (project_id, created_at desc, id desc)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop index if exists deliveries_project_created`);
    await q.query(`drop table if exists delivery_stats_minute`);
  }
}
