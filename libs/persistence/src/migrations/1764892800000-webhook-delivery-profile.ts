import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-webhook delivery profile: the signature header's own name, the payload format and the
 * endpoint's verification handshake.
 */
export class WebhookDeliveryProfile1764892800000 implements MigrationInterface {
  name = 'WebhookDeliveryProfile1764892800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table webhooks add column signature_header text`);
    await q.query(`alter table webhooks add column format text not null default 'envelope'`);
    await q.query(`alter table webhooks add column verification jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`alter table webhooks drop column if exists verification`);
    await q.query(`alter table webhooks drop column if exists format`);
    await q.query(`alter table webhooks drop column if exists signature_header`);
  }
}
