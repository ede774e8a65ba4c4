import { ADVISORY_LOCKS, createDataSource, DeliveryLogPartitions } from '@hookline/persistence';
import { createLogger } from '@hookline/telemetry';
import { createTestDatabase, type TestDatabase } from '@hookline/testing';
import type { DataSource } from 'typeorm';
import { RetentionJob } from './retention.job';

describe(RetentionJob.name, () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  const log = createLogger('retention-test', 'error');
  const now = new Date('2026-11-30T12:00:00Z');
  const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);

  const addDelivery = async (id: string, at: Date) => {
    await dataSource.query(
      `insert into deliveries (id, webhook_id, project_id, event_id, event_type, status, event, created_at) values ($1, 'wh_r', 'prj_r', $2, 'project.updated', 'succeeded', '{}', $3)`,
      [id, `evt_${id}`, at],
    );
    await dataSource.query(
      `insert into delivery_attempts (delivery_id, webhook_id, attempt, url, request_headers, response_status, duration_ms, started_at, delivery_created_at) values ($1, 'wh_r', 1, 'https://example.test/', '{}', 200, 5, $2, $2)`,
      [id, at],
    );
  };
  const ids = async (table: 'deliveries' | 'delivery_attempts') =>
    (
      (await dataSource.query(
        `select ${table === 'deliveries' ? 'id' : 'delivery_id as id'} from ${table} order by 1`,
      )) as { id: string }[]
    ).map((r) => r.id);

  beforeAll(async () => {
    db = await createTestDatabase('retention');
    dataSource = createDataSource({ url: db.url, poolSize: 4, applicationName: 'retention-test' });
    await dataSource.initialize();
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  const partitionOf = async (id: string) =>
    (
      (await dataSource.query(
        `select tableoid::regclass::text as p from deliveries where id = $1`,
        [id],
      )) as { p: string }[]
    ).map((r) => r.p);

  it('should drop the daily partitions older than the retention whole, delete the older rows of the default partition, stats, event records and finished recoveries in small batches, and keep the rest', async () => {
    // Days that had their partitions (made ahead around then) and days that had none: the
    // rows of the latter wait in the default partition.
    const partitions = new DeliveryLogPartitions(dataSource);
    await partitions.ensure(daysAgo(32), 2);
    for (let i = 0; i < 3; i++) await addDelivery(`msg_old${i}`, daysAgo(31 + i));
    for (let i = 3; i < 5; i++) await addDelivery(`msg_old${i}`, daysAgo(37 + i));
    expect(await partitionOf('msg_old0')).toEqual(['deliveries_p20261030']);
    expect(await partitionOf('msg_old3')).toEqual(['deliveries_default']);
    for (const [webhook, at] of [
      ['wh_old', daysAgo(31)],
      ['wh_recent', daysAgo(1)],
    ] as const)
      await dataSource.query(
        `insert into delivery_stats_minute (webhook_id, project_id, minute, succeeded, latency, last_attempt_at) values ($1, 'prj_r', $2, 1, '{1}', $2)`,
        [webhook, at],
      );
    await addDelivery('msg_recent', daysAgo(29));
    await addDelivery('msg_today', now);
    // On the cutoff's own day: its partition is kept until the whole day is past the retention.
    await addDelivery('msg_cutoff_day', new Date(daysAgo(30).getTime() + 3_600_000));
    for (const [id, at] of [
      ['evt_old', daysAgo(40)],
      ['evt_recent', daysAgo(2)],
      // Past the cutoff by hours, on its day: kept with that day's deliveries (their record holds
      // their payload), not looked at again every run while they are.
      ['evt_cutoff_day', new Date('2026-10-31T01:00:00Z')],
    ] as const)
      await dataSource.query(
        `insert into published_events (project_id, id, type, occurred_at, created_at) values ('prj_r', $1, 'project.updated', $2, $2)`,
        [id, at],
      );
    for (const [id, status, at] of [
      ['rec_old_done', 'done', daysAgo(40)],
      ['rec_old_running', 'running', daysAgo(40)],
      ['rec_recent', 'done', daysAgo(2)],
    ] as const)
      await dataSource.query(
        `insert into recovery_jobs (id, project_id, request_key, statuses, since, until, status, total, created_at) values ($1, 'prj_r', $1, '{failed}', $2, $2, $3, 0, $2)`,
        [id, at, status],
      );

    const result = await new RetentionJob(dataSource, log, {
      retentionDays: 30,
      batchSize: 2,
    }).runOnce(now);

    expect(result).toEqual({
      partitions: [
        'delivery_attempts_p20261028',
        'deliveries_p20261028',
        'delivery_attempts_p20261029',
        'deliveries_p20261029',
        'delivery_attempts_p20261030',
        'deliveries_p20261030',
      ],
      attempts: 2,
      deliveries: 2,
      stats: 1,
      events: 1,
      recoveries: 1,
    });
    expect(await dataSource.query('select id from published_events order by id')).toEqual([
      { id: 'evt_cutoff_day' },
      { id: 'evt_recent' },
    ]);
    expect(await dataSource.query('select id from recovery_jobs order by id')).toEqual([
      { id: 'rec_old_running' },
      { id: 'rec_recent' },
    ]);
    expect(await dataSource.query('select webhook_id from delivery_stats_minute')).toEqual([
      { webhook_id: 'wh_recent' },
    ]);
    expect(await ids('deliveries')).toEqual(['msg_cutoff_day', 'msg_recent', 'msg_today']);
    expect(await ids('delivery_attempts')).toEqual(['msg_cutoff_day', 'msg_recent', 'msg_today']);
    expect(await partitionOf('msg_cutoff_day')).toEqual(['deliveries_p20261031']);
    // The run made the days around `now` and moved their rows out of the default partition.
    expect(await partitionOf('msg_today')).toEqual(['deliveries_p20261130']);
  });

  it('should leave the work to the process that holds the lock', async () => {
    const holder = dataSource.createQueryRunner();
    await holder.connect();
    try {
      await holder.query('select pg_advisory_lock($1)', [ADVISORY_LOCKS.deliveryLogRetention]);
      expect(
        await new RetentionJob(dataSource, log, { retentionDays: 30 }).runOnce(now),
      ).toBeNull();
    } finally {
      await holder.query('select pg_advisory_unlock($1)', [ADVISORY_LOCKS.deliveryLogRetention]);
      await holder.release();
    }
  });
});
