import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An event's payload is kept once, with its record in `published_events`, instead of in every
 * delivery of it: a large event fanned out to many webhooks was written (and compressed, and
 * parsed) once per webhook. `deliveries.event` is now set only when the event has no record with
 * its payload (a test ping, a redeliver, rows logged before this migration); readers take the
 * row's payload, else the record's. Records written before have none; the next first attempt of
 * one of their deliveries gives it them.
 */
export class EventPayloadOnce1765300000000 implements MigrationInterface {
  name = 'EventPayloadOnce1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table published_events add column event jsonb`);
    await q.query(`alter table deliveries alter column event drop not null`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `update deliveries d set event = e.event from published_events e
       where d.event is null and e.project_id = d.project_id and e.id = d.event_id and e.event is not null`,
    );
    // A delivery whose record went with retention cannot get its payload back.
    await q.query(`update deliveries set event = '{}'::jsonb where event is null`);
    await q.query(`alter table deliveries alter column event set not null`);
    await q.query(`alter table published_events drop column if exists event`);
  }
}
