import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Per-webhook batched delivery (`{max_events, max_wait_ms}`); null: each event alone. */
export class WebhookBatch1765152000000 implements MigrationInterface {
  name = 'WebhookBatch1765152000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table webhooks add column batch jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`alter table webhooks drop column if exists batch`);
  }
}
