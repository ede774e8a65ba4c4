import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `deliveries.chain`: which chain of attempts the row's status belongs to (0: the first; a
 * replay or a redeliver starts a later one). A final status (succeeded, failed) is only ever
 * replaced by a later chain, so a late duplicate of an attempt cannot undo it.
 */
export class DeliveryChain1764633600000 implements MigrationInterface {
  name = 'DeliveryChain1764633600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table deliveries add column chain bigint not null default 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`alter table deliveries drop column chain`);
  }
}
