import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The last transition of each endpoint's circuit breaker, by endpoint URL (written by the dispatcher). */
export class EndpointCircuits1765221000000 implements MigrationInterface {
  name = 'EndpointCircuits1765221000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`create table endpoint_circuits (
      endpoint text primary key,
      state text not null check (state in ('closed', 'open', 'half_open')),
      failures int not null,
      opened_at timestamptz,
      updated_at timestamptz not null
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table if exists endpoint_circuits`);
  }
}
