import type { MigrationInterface, QueryRunner } from 'typeorm';

/** `skipped`: a delivery matched while its webhook was disabled, recorded without an attempt. */
export class SkippedDeliveries1765210000000 implements MigrationInterface {
  name = 'SkippedDeliveries1765210000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table deliveries drop constraint if exists deliveries_status_check`);
    await q.query(
      `alter table deliveries add constraint deliveries_status_check check (status in ('pending', 'succeeded', 'failed', 'skipped'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`delete from deliveries where status = 'skipped'`);
    await q.query(`alter table deliveries drop constraint if exists deliveries_status_check`);
    await q.query(
      `alter table deliveries add constraint deliveries_status_check check (status in ('pending', 'succeeded', 'failed'))`,
    );
  }
}
