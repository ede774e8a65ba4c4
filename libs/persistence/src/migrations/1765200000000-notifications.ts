import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * E-mail notifications: a project's addresses and the operational events that mail them
 * (`project_notifications`), the mails sent (`notification_mails`: one row per mail, keyed by what
 * it is for, so a replayed event mails once and the per-project hourly limit counts them), and the
 * dead deliveries waiting for the next digest (`notification_dead_deliveries`).
 */
export class Notifications1765200000000 implements MigrationInterface {
  name = 'Notifications1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table project_notifications (
        project_id text primary key references projects(id) on delete cascade,
        emails text[] not null default '{}',
        events text[] not null,
        updated_at timestamptz not null default now()
      )`);
    await q.query(`
      create table notification_mails (
        id text primary key,
        project_id text not null references projects(id) on delete cascade,
        kind text not null,
        sent_at timestamptz not null default now()
      )`);
    await q.query(
      `create index notification_mails_project_sent on notification_mails (project_id, sent_at)`,
    );
    await q.query(`
      create table notification_dead_deliveries (
        event_id text primary key,
        project_id text not null references projects(id) on delete cascade,
        webhook_id text not null,
        delivery_id text not null,
        dead_event_id text not null,
        event_type text not null,
        attempts integer not null,
        last_error text not null,
        died_at timestamptz not null
      )`);
    await q.query(
      `create index notification_dead_deliveries_project on notification_dead_deliveries (project_id, died_at)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop table if exists notification_dead_deliveries`);
    await q.query(`drop table if exists notification_mails`);
    await q.query(`drop table if exists project_notifications`);
  }
}
