import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Per-webhook delivery settings: a throttle, an own retry schedule and threshold, custom headers. */
export class WebhookEndpointSettings1765220000000 implements MigrationInterface {
  name = 'WebhookEndpointSettings1765220000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table webhooks
      add column throttle_per_second double precision,
      add column retry_schedule jsonb,
      add column disable_after_failed_deliveries int,
      add column headers jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`alter table webhooks
      drop column if exists throttle_per_second,
      drop column if exists retry_schedule,
      drop column if exists disable_after_failed_deliveries,
      drop column if exists headers`);
  }
}
