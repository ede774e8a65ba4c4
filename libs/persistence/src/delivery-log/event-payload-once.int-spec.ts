import { DataSource } from 'typeorm';
import { deliveryId, type EventEnvelope } from '@hookline/contracts';
import {
  createTestDatabase,
  eventEnvelope,
  migrationDatabase,
  succeededAttempt,
  type TestDatabase,
} from '@hookline/testing';
import { createDataSource } from '../data-source';
import { MIGRATIONS } from '../migrations';
import { EventPayloadOnce1765300000000 } from '../migrations/1765300000000-event-payload-once';
import { DeliveryLogPartitions } from './delivery-log-partitions';
import { DeliveryLogRepository, type AttemptRecord } from './delivery-log.repository';

const BORN = new Date('2026-12-01T12:00:00.000Z');

const envelope = (id: string): EventEnvelope =>
  eventEnvelope({
    id,
    project_id: 'prj_once',
    occurred_at: '2026-12-01T11:59:59.000Z',
    data: {
      name: 'Once',
      items: Array.from({ length: 200 }, (_, i) => ({ i, label: `item ${i}` })),
    },
  });

/** An attempt of `event` to `webhookId`, born and made at BORN. */
const row = (event: EventEnvelope, webhookId: string, o: Partial<AttemptRecord> = {}) =>
  succeededAttempt({
    deliveryId: deliveryId(event.id, webhookId),
    webhookId,
    projectId: event.project_id,
    event,
    createdAt: BORN,
    startedAt: BORN,
    ...o,
  });

/**
 * An event's payload is kept once, with its record in published_events, not in each of its
 * deliveries' rows: a 160 KB event fanned out to 1,000 webhooks made the log write 1,000 copies
 * (~6 s of one statement after another here), and every other tenant's attempts waited behind it.
 */
describe("the delivery log's copy of an event", () => {
  let db: TestDatabase;
  let ds: DataSource;

  const rowsWithPayload = async (eventId: string) =>
    (
      (await ds.query(
        `select count(*)::int as n from deliveries where event_id = $1 and event is not null`,
        [eventId],
      )) as { n: number }[]
    )[0]!.n;
  const recorded = async (eventId: string) =>
    (
      (await ds.query(`select event from published_events where id = $1`, [eventId])) as {
        event: unknown;
      }[]
    )[0]?.event;

  beforeAll(async () => {
    db = await createTestDatabase('event_payload_once');
    ds = await createDataSource({ url: db.url, poolSize: 4 }).initialize();
    await new DeliveryLogPartitions(ds).ensure(BORN, 2);
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it("should keep the payload once, with the event's record, however many webhooks it went to", async () => {
    const sut = new DeliveryLogRepository(ds);
    const event = envelope('evt_fanout');
    const hooks = Array.from({ length: 30 }, (_, i) => `wh_${i}`);
    // Three flushes, as a fan-out's deliveries land in several, and a retry of one of them.
    for (let i = 0; i < hooks.length; i += 10)
      await sut.writeAttempts(hooks.slice(i, i + 10).map((w) => row(event, w)));
    await sut.writeAttempts([row(event, 'wh_0', { attempt: 2, status: 'succeeded' })]);

    expect(await rowsWithPayload(event.id)).toBe(0);
    expect(await recorded(event.id)).toEqual(event);
    // A new repository (another dispatcher, or one restarted) knows nothing of what was written.
    await new DeliveryLogRepository(ds).writeAttempts([row(event, 'wh_late')]);
    expect(await rowsWithPayload(event.id)).toBe(0);
    for (const w of ['wh_0', 'wh_29', 'wh_late'])
      expect((await sut.find(event.project_id, deliveryId(event.id, w)))?.event).toEqual(event);
  });

  it('should keep the payload in the row of a delivery whose event has no record', async () => {
    const sut = new DeliveryLogRepository(ds);
    // A test ping or a redeliver makes no event record.
    const event = envelope('evt_manual');
    await sut.writeAttempts([row(event, 'wh_m', { trigger: 'test' })]);
    expect(await rowsWithPayload(event.id)).toBe(1);
    expect(await recorded(event.id)).toBeUndefined();
    expect((await sut.find(event.project_id, deliveryId(event.id, 'wh_m')))?.event).toEqual(event);
  });

  it('should give a record written without its payload (before payloads were kept) the payload', async () => {
    const event = envelope('evt_older');
    await ds.query(
      `insert into published_events (project_id, id, type, occurred_at, created_at)
       values ($1, $2, $3, $4, $5)`,
      [event.project_id, event.id, event.event, event.occurred_at, BORN],
    );
    const sut = new DeliveryLogRepository(ds);
    await sut.writeAttempts([row(event, 'wh_o')]);
    expect(await recorded(event.id)).toEqual(event);
    expect((await sut.find(event.project_id, deliveryId(event.id, 'wh_o')))?.event).toEqual(event);
  });

  it('should keep an event record past retention while a delivery of it is still kept', async () => {
    const sut = new DeliveryLogRepository(ds);
    const event = envelope('evt_kept');
    await sut.writeAttempts([row(event, 'wh_k')]);
    const after = new Date(Date.now() + 86_400_000);
    // The delivery's day is still kept (a second record of one event id can be born days later).
    await sut.deleteOlderThan('events', after, 1000);
    expect(await recorded(event.id)).toEqual(event);
    expect((await sut.find(event.project_id, deliveryId(event.id, 'wh_k')))?.event).toEqual(event);
    await ds.query(`delete from deliveries where event_id = $1`, [event.id]);
    expect(await sut.deleteOlderThan('events', after, 1000)).toBeGreaterThanOrEqual(1);
    expect(await recorded(event.id)).toBeUndefined();
  });
});

describe(EventPayloadOnce1765300000000.name, () => {
  const db = migrationDatabase('payload_migration');
  const upTo = MIGRATIONS.indexOf(EventPayloadOnce1765300000000);

  afterAll(() => db.drop());

  it("should keep every delivery's payload readable across the upgrade, and put it back in the rows on the way down", async () => {
    await db.create();
    await db.migrate(MIGRATIONS.slice(0, upTo));
    const event = envelope('evt_upgrade');
    const ds = await createDataSource({ url: db.url, poolSize: 2 }).initialize();
    try {
      await new DeliveryLogPartitions(ds).ensure(BORN, 2);
      // The log as the code before wrote it: the payload in the row, a record without it.
      await ds.query(
        `insert into deliveries (id, webhook_id, project_id, event_id, event_type, status, attempts, event, created_at)
         values ($1, 'wh_old', $2, $3, $4, 'pending', 1, $5, $6)`,
        [deliveryId(event.id, 'wh_old'), event.project_id, event.id, event.event, event, BORN],
      );
      await ds.query(
        `insert into published_events (project_id, id, type, occurred_at, created_at) values ($1, $2, $3, $4, $5)`,
        [event.project_id, event.id, event.event, event.occurred_at, BORN],
      );

      await db.migrate(MIGRATIONS.slice(0, upTo + 1));
      const sut = new DeliveryLogRepository(ds);
      expect((await sut.find(event.project_id, deliveryId(event.id, 'wh_old')))?.event).toEqual(
        event,
      );
      // The old delivery's retry, and a new delivery of the same event.
      await sut.writeAttempts([
        row(event, 'wh_old', { attempt: 2 }),
        row(event, 'wh_new', { attempt: 1 }),
      ]);
      for (const w of ['wh_old', 'wh_new'])
        expect((await sut.find(event.project_id, deliveryId(event.id, w)))?.event).toEqual(event);
      const rows = (await ds.query(
        `select webhook_id as "webhookId", event is not null as "inRow" from deliveries order by webhook_id`,
      )) as { webhookId: string; inRow: boolean }[];
      expect(rows).toEqual([
        { webhookId: 'wh_new', inRow: false },
        { webhookId: 'wh_old', inRow: true },
      ]);

      await db.migrate(MIGRATIONS.slice(0, upTo + 1), true);
      const back = (await ds.query(
        `select webhook_id as "webhookId", event from deliveries order by webhook_id`,
      )) as { webhookId: string; event: unknown }[];
      expect(back).toEqual([
        { webhookId: 'wh_new', event },
        { webhookId: 'wh_old', event },
      ]);
    } finally {
      await ds.destroy();
    }
  });
});
