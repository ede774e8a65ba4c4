import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API key scopes (`full`, `read`: GET routes only) and an optional expiry. Existing keys stay
 * `full` and never expire.
 */
export class ApiKeyScope1765230000000 implements MigrationInterface {
  name = 'ApiKeyScope1765230000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `alter table api_keys
         add column scope text not null default 'full' check (scope in ('full', 'read')),
         add column expires_at timestamptz`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `alter table api_keys drop column if exists expires_at, drop column if exists scope`,
    );
  }
}
