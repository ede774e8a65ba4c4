import { createDataSource, type AttemptRecord } from '@hookline/persistence';
import { createLogger } from '@hookline/telemetry';
import {
  createTestDatabase,
  eventEnvelope,
  succeededAttempt,
  type TestDatabase,
} from '@hookline/testing';
import type { DataSource } from 'typeorm';
import { AttemptLogWriter } from './attempt-log.writer';

describe(AttemptLogWriter.name, () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let sut: AttemptLogWriter;
  const log = createLogger('attempt-log-test', 'silent');

  const record = (id: string, data: Record<string, unknown> = { ok: true }): AttemptRecord =>
    succeededAttempt({
      deliveryId: id,
      webhookId: 'wh_log',
      projectId: 'prj_log',
      event: eventEnvelope({ project_id: 'prj_log', data }),
      requestHeaders: { 'webhook-id': id },
    });
  // A delivery's event as the log's readers see it: its row's copy, else its event's record's.
  const LOGGED_EVENT = `(select coalesce(d.event, e.event) as event, d.id from deliveries d
    left join published_events e on e.project_id = d.project_id and e.id = d.event_id) l`;
  const statuses = async () =>
    Object.fromEntries(
      (
        (await dataSource.query('select id, status from deliveries order by id')) as {
          id: string;
          status: string;
        }[]
      ).map((r) => [r.id, r.status]),
    );

  beforeAll(async () => {
    db = await createTestDatabase('attempt_log');
    dataSource = createDataSource({
      url: db.url,
      poolSize: 4,
      applicationName: 'attempt-log-test',
    });
    await dataSource.initialize();
  });
  beforeEach(() => {
    sut = new AttemptLogWriter(dataSource, log, { retryDelayMs: 50 });
  });
  afterEach(() => sut.close());
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('should write the rest of a batch and a Postgres-safe form of a row Postgres refuses, never retrying it forever', async () => {
    // Postgres' jsonb refuses \u0000 and an unpaired surrogate: the batch they share must not wedge.
    const written = await Promise.race([
      Promise.all([
        sut.record(record('msg_before')),
        sut.record(record('msg_nul', { note: 'a\u0000b' })),
        sut.record(record('msg_surrogate', { ['key\ud800']: '\udfff lone' })),
        // The same in the text columns: an error message, an answer's body.
        sut.record({ ...record('msg_text'), responseBody: 'b\u0000\ud800', error: 'e\udfff' }),
        sut.record(record('msg_after')),
      ]).then(() => 'written'),
      new Promise((r) => setTimeout(() => r('stuck'), 10_000)),
    ]);
    expect(written).toBe('written');
    expect(await statuses()).toEqual({
      msg_after: 'succeeded',
      msg_before: 'succeeded',
      msg_nul: 'succeeded',
      msg_surrogate: 'succeeded',
      msg_text: 'succeeded',
    });
    const [nul] = await dataSource.query(`select event from ${LOGGED_EVENT} where id = 'msg_nul'`);
    expect(nul.event.data).toEqual({ note: 'a\ufffdb' });
    const [lone] = await dataSource.query(
      `select event from ${LOGGED_EVENT} where id = 'msg_surrogate'`,
    );
    expect(lone.event.data).toEqual({ ['key\ufffd']: '\ufffd lone' });
    const [text] = await dataSource.query(
      `select response_body, error from delivery_attempts where delivery_id = 'msg_text'`,
    );
    expect(text).toEqual({ response_body: 'b\ufffd\ufffd', error: 'e\ufffd' });
    expect(sut.stalledForMs()).toBe(0);
  });

  it("should count the logged event in a statement's size, so large events make many small statements, not one huge one", async () => {
    // The broker takes messages of up to 4 MB: 500 such tasks in one statement would be a
    // 2 GB string (past V8's longest, a RangeError retried forever), so the budget must see them.
    const big = { blob: 'x'.repeat(3 * 1024 * 1024) };
    const ids = Array.from({ length: 12 }, (_, i) => `msg_big_${i}`);
    await Promise.all(ids.map((id) => sut.record(record(id, big))));
    expect(sut.rowsWritten).toBe(12);
    // 8 MB a statement: at most two of these rows each.
    expect(sut.flushes).toBeGreaterThanOrEqual(6);
    const [sizes] = await dataSource.query(
      `select count(*)::int as n, min(length(event->'data'->>'blob'))::int as shortest
       from ${LOGGED_EVENT} where id = any($1)`,
      [ids],
    );
    expect(sizes).toEqual({ n: 12, shortest: big.blob.length });
  });

  it('should keep a final status against a late duplicate, and let only a later chain start over', async () => {
    const at = (status: AttemptRecord['status'], chain: number, attempt = 1) =>
      sut.record({ ...record('msg_chain'), status, chain, attempt });
    const status = async () =>
      (
        (await dataSource.query(
          `select status, attempts from deliveries where id = 'msg_chain'`,
        )) as {
          status: string;
          attempts: number;
        }[]
      )[0];
    await at('succeeded', 0);
    await at('pending', 0); // a duplicate of the first attempt, replayed after a crash, failed
    await at('failed', 0, 6);
    expect(await status()).toEqual({ status: 'succeeded', attempts: 3 });
    await at('pending', 1_800_000_000_000); // a replay starts a new chain
    expect((await status()).status).toBe('pending');
    await at('succeeded', 0); // the old chain cannot overwrite the new one
    expect((await status()).status).toBe('pending');
    await at('failed', 1_800_000_000_000, 6);
    expect((await status()).status).toBe('failed');
  });

  it('should keep retrying a write that fails for a passing reason, and say it is stalled meanwhile', async () => {
    const blocker = createDataSource({ url: db.url, poolSize: 1, applicationName: 'blocker' });
    await blocker.initialize();
    const runner = blocker.createQueryRunner();
    await runner.connect();
    await runner.query('begin');
    await runner.query('lock table deliveries in access exclusive mode nowait');
    try {
      const pending = sut.record(record('msg_waits'));
      // The insert waits on the lock; ending its connection is the passing failure (57P01).
      await new Promise((r) => setTimeout(r, 300));
      await runner.query(
        `select pg_terminate_backend(pid) from pg_stat_activity
         where application_name = 'attempt-log-test' and query like '%insert into delivery_attempts%'`,
      );
      await new Promise((r) => setTimeout(r, 500));
      expect(sut.stalledForMs()).toBeGreaterThan(0);
      await runner.query('rollback');
      await pending;
      expect((await statuses()).msg_waits).toBe('succeeded');
      expect(sut.stalledForMs()).toBe(0);
    } finally {
      await runner.release();
      await blocker.destroy();
    }
  });

  it('should record each event once, with its first delivery, even when its occurred_at is out of Postgres range', async () => {
    const first = record('msg_evt_a');
    const odd = record('msg_evt_b');
    odd.event = { ...odd.event, occurred_at: '0000-01-01T00:00:00Z' };
    const sameEventOtherHook = { ...record('msg_evt_c'), event: first.event, webhookId: 'wh_2' };
    const retry = { ...record('msg_evt_d'), attempt: 2 };
    await Promise.all([first, odd, sameEventOtherHook, retry].map((r) => sut.record(r)));
    const events = (await dataSource.query(
      'select id, occurred_at from published_events where id = any($1)',
      [[first.event.id, odd.event.id, retry.event.id]],
    )) as { id: string; occurred_at: Date }[];
    expect(events.map((e) => e.id).sort()).toEqual([first.event.id, odd.event.id].sort());
    expect(events.find((e) => e.id === odd.event.id)!.occurred_at.getTime()).toBe(
      odd.startedAt.getTime(),
    );
    expect(await statuses()).toMatchObject({ msg_evt_b: 'succeeded' });
  });
});
