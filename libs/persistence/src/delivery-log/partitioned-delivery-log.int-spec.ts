import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { deliveryId, type EventEnvelope } from '@hookline/contracts';
import { createTestDatabase, migrationDatabase, type TestDatabase } from '@hookline/testing';
import { createDataSource } from '../data-source';
import { MIGRATIONS } from '../migrations';
import { PartitionedDeliveryLog1765270000000 } from '../migrations/1765270000000-partitioned-delivery-log';
import { DeliveryLogPartitions, partitionName } from './delivery-log-partitions';
import { DeliveryLogRepository, type AttemptRecord } from './delivery-log.repository';

const HOUR = 3_600_000;

const event = (id: string): EventEnvelope => ({
  id,
  project_id: 'prj_p',
  event: 'project.updated',
  occurred_at: '2026-12-01T23:59:00.000Z',
  data: {},
});

const attempt = (
  o: Partial<AttemptRecord> & Pick<AttemptRecord, 'deliveryId' | 'startedAt' | 'createdAt'>,
): AttemptRecord => ({
  webhookId: 'wh_p',
  projectId: 'prj_p',
  event: event('evt_p'),
  attempt: 1,
  trigger: 'automatic',
  url: 'https://example.test/',
  requestHeaders: {},
  responseStatus: 500,
  responseBody: null,
  durationMs: 5,
  errorClass: 'http_status',
  error: 'HTTP 500',
  status: 'pending',
  nextAttemptAt: null,
  chain: 0,
  ...o,
});

describe('the partitioned delivery log', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let sut: DeliveryLogRepository;

  const rowsOf = async (id: string) =>
    (await ds.query(
      `select tableoid::regclass::text as partition, status, attempts, created_at as "createdAt"
       from deliveries where id = $1`,
      [id],
    )) as { partition: string; status: string; attempts: number; createdAt: Date }[];
  const attemptsOf = async (id: string) =>
    (await ds.query(
      `select tableoid::regclass::text as partition, attempt from delivery_attempts where delivery_id = $1 order by attempt`,
      [id],
    )) as { partition: string; attempt: number }[];

  beforeAll(async () => {
    db = await createTestDatabase('partitioned_log');
    ds = await createDataSource({ url: db.url, poolSize: 4 }).initialize();
    sut = new DeliveryLogRepository(ds);
    await new DeliveryLogPartitions(ds).ensure(new Date('2026-12-01T12:00:00Z'), 2);
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('should keep a delivery whose retry crosses midnight in one row, in the partition of its birth', async () => {
    const id = deliveryId('evt_midnight', 'wh_p');
    const createdAt = new Date('2026-12-01T23:59:59.990Z');
    await sut.writeAttempts([attempt({ deliveryId: id, createdAt, startedAt: createdAt })]);
    await sut.writeAttempts([
      attempt({
        deliveryId: id,
        createdAt,
        attempt: 2,
        startedAt: new Date('2026-12-02T00:10:00Z'),
        status: 'succeeded',
        responseStatus: 200,
      }),
    ]);
    expect(await rowsOf(id)).toEqual([
      { partition: 'deliveries_p20261201', status: 'succeeded', attempts: 2, createdAt },
    ]);
    expect(await attemptsOf(id)).toEqual([
      { partition: 'delivery_attempts_p20261201', attempt: 1 },
      { partition: 'delivery_attempts_p20261201', attempt: 2 },
    ]);
    const [found] = [await sut.find('prj_p', id)];
    expect(found).toMatchObject({ id, status: 'succeeded', createdAt });
    expect((await sut.attempts(id, found!.createdAt)).map((a) => a.attempt)).toEqual([1, 2]);
    // The dispatcher's `settled` lookup, by the task's time or (an older task) by id alone.
    for (const at of [createdAt, null])
      expect(await sut.finished([{ id, createdAt: at }])).toEqual(
        new Map([[id, { status: 'succeeded', chain: 0 }]]),
      );
    expect(await sut.firstAttempt(id, createdAt)).toMatchObject({
      status: 'succeeded',
      attempt: { attempt: 1 },
    });
  });

  it('should give a replayed event the same row, and fold a second record of the same event (another time) into it', async () => {
    const id = deliveryId('evt_replayed', 'wh_p');
    const createdAt = new Date('2026-12-01T23:00:00Z');
    const first = attempt({ deliveryId: id, createdAt, startedAt: createdAt });
    await sut.writeAttempts([first]);
    // The fan-out read the same record again after a crash: the same time.
    await sut.writeAttempts([{ ...first, startedAt: new Date(createdAt.getTime() + 1000) }]);
    // A producer published the event twice: a record two hours later, past midnight.
    await sut.writeAttempts([
      {
        ...first,
        createdAt: new Date(createdAt.getTime() + 2 * HOUR),
        startedAt: new Date(createdAt.getTime() + 2 * HOUR),
      },
    ]);
    expect(await rowsOf(id)).toEqual([
      { partition: 'deliveries_p20261201', status: 'pending', attempts: 3, createdAt },
    ]);
    expect((await attemptsOf(id)).map((a) => a.partition)).toEqual([
      'delivery_attempts_p20261201',
      'delivery_attempts_p20261201',
      'delivery_attempts_p20261201',
    ]);
  });

  it('should find the row of a task written before tasks carried the birth time, whatever its day, and close it by id', async () => {
    const id = deliveryId('evt_old_task', 'wh_p');
    const createdAt = new Date('2026-12-01T10:00:00Z');
    await sut.writeAttempts([attempt({ deliveryId: id, createdAt, startedAt: createdAt })]);
    await sut.writeAttempts([
      attempt({
        deliveryId: id,
        createdAt: null,
        attempt: 2,
        startedAt: new Date('2026-12-03T01:00:00Z'),
      }),
    ]);
    expect(await rowsOf(id)).toMatchObject([{ partition: 'deliveries_p20261201', attempts: 2 }]);
    expect((await attemptsOf(id)).map((a) => a.partition)).toEqual([
      'delivery_attempts_p20261201',
      'delivery_attempts_p20261201',
    ]);
    await sut.closeUnattempted(id, 'webhook deleted', null);
    expect(await rowsOf(id)).toMatchObject([{ status: 'failed' }]);

    // Never logged before: born at its first attempt.
    const fresh = deliveryId('evt_old_fresh', 'wh_p');
    const startedAt = new Date('2026-12-02T08:00:00Z');
    await sut.writeAttempts([attempt({ deliveryId: fresh, createdAt: null, startedAt })]);
    expect(await rowsOf(fresh)).toMatchObject([
      { partition: 'deliveries_p20261202', createdAt: startedAt },
    ]);
    await sut.closeUnattempted(fresh, 'webhook deleted', startedAt);
    expect(await rowsOf(fresh)).toMatchObject([{ status: 'failed' }]);
  });

  it('should keep a row born on a day without partition in the default one, and move it when the day gets its partition', async () => {
    const id = deliveryId('evt_far', 'wh_p');
    const createdAt = new Date('2027-03-01T00:00:00Z');
    await sut.writeAttempts([attempt({ deliveryId: id, createdAt, startedAt: createdAt })]);
    expect(await rowsOf(id)).toMatchObject([{ partition: 'deliveries_default' }]);
    const partitions = new DeliveryLogPartitions(ds);
    // Several processes at once: one creates, the others find the days there.
    const created = await Promise.all([1, 2, 3].map(() => partitions.ensure(createdAt, 1)));
    expect(created.flat().sort()).toEqual([
      'deliveries_p20270228',
      'deliveries_p20270301',
      'deliveries_p20270302',
      'delivery_attempts_p20270228',
      'delivery_attempts_p20270301',
      'delivery_attempts_p20270302',
    ]);
    expect(await rowsOf(id)).toMatchObject([{ partition: 'deliveries_p20270301', attempts: 1 }]);
    expect(await attemptsOf(id)).toEqual([
      { partition: 'delivery_attempts_p20270301', attempt: 1 },
    ]);
    expect(await partitions.ensure(createdAt, 1)).toEqual([]);
  });

  it('should page a webhook newest first across days, windows and partitions, every row once', async () => {
    const now = Date.now();
    const ages = [0, 1, 2, 3 * 24, 3 * 24 + 1, 30 * 24, 30 * 24 + 5].map((h) => now - h * HOUR);
    const ids = ages.map((_, i) => deliveryId(`evt_page_${i}`, 'wh_pages'));
    await sut.writeAttempts(
      ages.map((t, i) =>
        attempt({
          deliveryId: ids[i]!,
          webhookId: 'wh_pages',
          event: event(`evt_page_${i}`),
          createdAt: new Date(t),
          startedAt: new Date(t),
        }),
      ),
    );
    for (const limit of [1, 2, 3, 7, 50]) {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await sut.list('prj_p', 'wh_pages', { limit, cursor });
        seen.push(...page.rows.map((r) => r.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(ids);
    }
    const until = new Date(now - 2 * 24 * HOUR).toISOString();
    expect((await sut.list('prj_p', 'wh_pages', { limit: 1, until })).rows[0]!.id).toBe(ids[3]);
  });

  it('should keep statistics only of the columns the log is searched, joined and sorted by, in partitions old and new', async () => {
    // A partition the migrations made (today's) and one made later (a day far ahead).
    const later = new Date('2027-05-10T12:00:00Z');
    await new DeliveryLogPartitions(ds).ensure(later, 0);
    for (const createdAt of [new Date(), later]) {
      await sut.writeAttempts(
        Array.from({ length: 40 }, (_, i) =>
          attempt({
            deliveryId: deliveryId(`evt_stats_${createdAt.getTime()}_${i}`, 'wh_p'),
            event: { ...event(`evt_stats_${createdAt.getTime()}_${i}`), data: { n: i } },
            requestHeaders: { 'webhook-id': `msg_${i}`, 'content-type': 'application/json' },
            responseBody: `answer ${i}`,
            createdAt,
            startedAt: createdAt,
          }),
        ),
      );
    }
    const partitions = [
      partitionName('deliveries', new Date()),
      partitionName('delivery_attempts', new Date()),
      partitionName('deliveries', later),
      partitionName('delivery_attempts', later),
      'published_events',
    ];
    for (const p of partitions) await ds.query(`analyze ${p}`);
    const gathered = (await ds.query(
      `select tablename, array_agg(attname::text order by attname) as columns from pg_stats
       where schemaname = current_schema() and tablename = any($1) group by tablename`,
      [partitions],
    )) as { tablename: string; columns: string[] }[];
    const expected: Record<string, string[]> = {
      deliveries: [
        'created_at',
        'event_id',
        'event_type',
        'id',
        'project_id',
        'status',
        'webhook_id',
      ],
      delivery_attempts: ['attempt', 'delivery_created_at', 'delivery_id', 'id'],
      published_events: ['created_at', 'id', 'occurred_at', 'project_id', 'type'],
    };
    expect(Object.fromEntries(gathered.map((g) => [g.tablename, g.columns]))).toEqual(
      Object.fromEntries(partitions.map((p) => [p, expected[p.replace(/_p\d{8}$/, '')]])),
    );
  });

  it('should leave a partition it cannot lock soon (a long query on the log) for the next run', async () => {
    const partitions = new DeliveryLogPartitions(ds);
    await partitions.ensure(new Date('2026-06-10T12:00:00Z'), 0);
    const reader = ds.createQueryRunner();
    await reader.connect();
    try {
      await reader.query('begin');
      await reader.query(
        'select (select count(*) from deliveries), (select count(*) from delivery_attempts)',
      );
      const t0 = Date.now();
      expect(await partitions.dropOlderThan(new Date('2026-06-11T00:00:00Z'))).toEqual([]);
      expect(Date.now() - t0).toBeLessThan(10_000);
    } finally {
      await reader.query('rollback');
      await reader.release();
    }
    expect(await partitions.dropOlderThan(new Date('2026-06-11T00:00:00Z'))).toEqual([
      'delivery_attempts_p20260609',
      'deliveries_p20260609',
      'delivery_attempts_p20260610',
      'deliveries_p20260610',
    ]);
  });
});

describe(PartitionedDeliveryLog1765270000000.name, () => {
  const db = migrationDatabase('log_migration');
  const url = db.url;
  const upTo = MIGRATIONS.indexOf(PartitionedDeliveryLog1765270000000);
  const migrate = db.migrate;

  afterAll(() => db.drop());

  it('should turn the log into daily partitions keeping every row, and go on numbering attempts', async () => {
    await db.create();
    await migrate(MIGRATIONS.slice(0, upTo));

    const c = new Client({ connectionString: url });
    await c.connect();
    try {
      const today = new Date();
      const daysAgo = (d: number) => new Date(today.getTime() - d * 86_400_000);
      for (const [id, at] of [
        ['msg_a', daysAgo(3)],
        ['msg_b', daysAgo(0)],
        ['msg_c', daysAgo(500)],
      ] as const) {
        await c.query(
          `insert into deliveries (id, webhook_id, project_id, event_id, event_type, status, attempts, event, created_at, chain)
           values ($1, 'wh_m', 'prj_m', $2, 'project.updated', 'succeeded', 1, '{"a":1}', $3, 7)`,
          [id, `evt_${id}`, at],
        );
        await c.query(
          `insert into delivery_attempts (delivery_id, webhook_id, attempt, url, request_headers, duration_ms, started_at)
           values ($1, 'wh_m', 1, 'https://example.test/', '{}', 5, $2)`,
          [id, new Date(at.getTime() + 60_000)],
        );
      }
      // An attempt whose delivery is gone keeps its own time.
      await c.query(
        `insert into delivery_attempts (delivery_id, webhook_id, attempt, url, request_headers, duration_ms, started_at)
         values ('msg_orphan', 'wh_m', 1, 'https://example.test/', '{}', 5, $1)`,
        [daysAgo(1)],
      );
      const before = (await c.query(`select id from delivery_attempts order by id`)).rows;

      await migrate(MIGRATIONS.slice(0, upTo + 1));

      const deliveries = (
        await c.query(
          `select id, tableoid::regclass::text as partition, chain::int, event, created_at from deliveries order by id`,
        )
      ).rows;
      const day = (d: Date) => d.toISOString().slice(0, 10).replaceAll('-', '');
      expect(deliveries).toEqual([
        {
          id: 'msg_a',
          partition: `deliveries_p${day(daysAgo(3))}`,
          chain: 7,
          event: { a: 1 },
          created_at: daysAgo(3),
        },
        {
          id: 'msg_b',
          partition: `deliveries_p${day(today)}`,
          chain: 7,
          event: { a: 1 },
          created_at: today,
        },
        {
          id: 'msg_c',
          partition: 'deliveries_default',
          chain: 7,
          event: { a: 1 },
          created_at: daysAgo(500),
        },
      ]);
      const attempts = (
        await c.query(
          `select id, delivery_id, tableoid::regclass::text as partition, delivery_created_at from delivery_attempts order by id`,
        )
      ).rows;
      expect(attempts.map((a) => a.id)).toEqual(before.map((b) => b.id));
      expect(attempts.map((a) => [a.delivery_id, a.partition])).toEqual([
        ['msg_a', `delivery_attempts_p${day(daysAgo(3))}`],
        ['msg_b', `delivery_attempts_p${day(today)}`],
        ['msg_c', 'delivery_attempts_default'],
        ['msg_orphan', `delivery_attempts_p${day(daysAgo(1))}`],
      ]);
      expect(attempts[0].delivery_created_at).toEqual(daysAgo(3));
      const [{ id: next }] = (
        await c.query(
          `insert into delivery_attempts (delivery_id, webhook_id, attempt, url, request_headers, duration_ms, started_at, delivery_created_at)
           values ('msg_b', 'wh_m', 2, 'https://example.test/', '{}', 5, now(), $1) returning id`,
          [today],
        )
      ).rows;
      expect(Number(next)).toBeGreaterThan(Number(before[before.length - 1].id));
      // The days ahead are there for the writer.
      const ahead = (
        await c.query(`select to_regclass($1) is not null as ok`, [
          `deliveries_p${day(new Date(today.getTime() + 3 * 86_400_000))}`,
        ])
      ).rows;
      expect(ahead).toEqual([{ ok: true }]);

      // And back: one plain table each, every row (the one added above too).
      await migrate(MIGRATIONS.slice(0, upTo + 1), true);
      const back = (
        await c.query(
          `select c.relname, c.relkind, (select count(*)::int from deliveries) as deliveries,
             (select count(*)::int from delivery_attempts) as attempts
           from pg_class c where c.relname in ('deliveries', 'delivery_attempts') order by 1`,
        )
      ).rows;
      expect(back).toEqual([
        { relname: 'deliveries', relkind: 'r', deliveries: 3, attempts: 5 },
        { relname: 'delivery_attempts', relkind: 'r', deliveries: 3, attempts: 5 },
      ]);
    } finally {
      await c.end();
    }
  });
});
