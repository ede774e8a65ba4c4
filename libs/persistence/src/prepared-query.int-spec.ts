import type { DataSource } from 'typeorm';
import { deliveryId, type EventEnvelope } from '@hookline/contracts';
import { createTestDatabase, succeededAttempt, type TestDatabase } from '@hookline/testing';
import { createDataSource } from './data-source';
import { DeliveryLogPartitions } from './delivery-log/delivery-log-partitions';
import { DeliveryLogRepository } from './delivery-log/delivery-log.repository';

const event: EventEnvelope = {
  id: 'evt_plan',
  project_id: 'prj_plan',
  event: 'project.updated',
  occurred_at: '2026-12-01T12:00:00.000Z',
  data: {},
};

describe('the named statements (queryPrepared)', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('prepared_plans');
    // One connection: the prepared statements and pg_prepared_statements are per session.
    ds = await createDataSource({ url: db.url, poolSize: 1 }).initialize();
    await new DeliveryLogPartitions(ds).ensure(new Date('2026-12-01T12:00:00Z'), 2);
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('should be planned once per connection, not on every call (the dispatcher settled lookup and log flush, one task at a time)', async () => {
    const log = new DeliveryLogRepository(ds);
    for (let i = 0; i < 8; i++) {
      const createdAt = new Date(Date.parse('2026-12-01T12:00:00Z') + i);
      const id = deliveryId(`evt_plan_${i}`, 'wh_plan');
      await log.finished([{ id, createdAt }]);
      await log.writeAttempts([
        succeededAttempt({
          deliveryId: id,
          webhookId: 'wh_plan',
          projectId: 'prj_plan',
          event,
          startedAt: createdAt,
        }),
      ]);
    }
    const plans = (await ds.query(
      `select name, generic_plans::int as generic, custom_plans::int as custom
       from pg_prepared_statements where name like 'hookline_%' order by name`,
    )) as { name: string; generic: number; custom: number }[];
    // A custom plan is a planning of the statement (the log's partitions included) on that call.
    expect(plans).toEqual([
      { name: 'hookline_finished_near', generic: 8, custom: 0 },
      { name: 'hookline_write_attempts', generic: 8, custom: 0 },
    ]);
  });
});
