import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Portal links (`portal_sessions`): hashed, expiring, revocable tokens scoped to one project. */
export class PortalSessions1764806400000 implements MigrationInterface {
  name = 'PortalSessions1764806400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table portal_sessions (
        id text primary key,
        project_id text not null references projects(id) on delete cascade,
        token_hash text not null,
        read_only boolean not null,
        expires_at timestamptz not null,
        created_by text,
        created_at timestamptz not null default now(),
        revoked_at timestamptz
      )`);
    await q.query(`create unique index portal_sessions_token_hash on portal_sessions (token_hash)`);
    await q.query(`create index portal_sessions_project on portal_sessions (project_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table if exists portal_sessions`);
  }
}
