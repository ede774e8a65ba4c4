import type { DataSource } from 'typeorm';
import { newId } from '@hookline/contracts';
import { createTestDatabase, type TestDatabase } from '@hookline/testing';
import { createDataSource } from '../data-source';
import { RecoveryJobRepository, type RecoveryFilter } from './recovery-job.repository';

describe(RecoveryJobRepository.name, () => {
  let db: TestDatabase;
  let ds: DataSource;
  let sut: RecoveryJobRepository;

  const filter = (): RecoveryFilter => ({
    projectId: 'prj_r',
    webhookId: 'wh_r',
    statuses: ['failed', 'skipped'],
    eventType: null,
    since: new Date('2026-12-01T00:00:00Z'),
    until: new Date('2026-12-02T00:00:00Z'),
  });
  const create = (requestKey: string) =>
    sut.create({ id: newId('recovery'), requestKey, total: 3, ...filter() });

  beforeAll(async () => {
    db = await createTestDatabase('recovery_jobs');
    ds = await createDataSource({ url: db.url, poolSize: 6 }).initialize();
    sut = new RecoveryJobRepository(ds);
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('should answer the same job to the same request, and run a failed one again from where it stopped', async () => {
    const first = await create('key-a');
    expect(first).toMatchObject({ created: true, job: { status: 'running', total: 3, sent: 0 } });
    const again = await create('key-a');
    expect(again).toMatchObject({ created: false, job: { id: first.job.id } });

    await sut.workBatch(first.job.id, () =>
      Promise.resolve({ sent: 2, after: { us: '5', id: 'msg_b' }, done: false, error: 'disabled' }),
    );
    expect(await sut.find('prj_r', first.job.id)).toMatchObject({
      status: 'failed',
      sent: 2,
      afterUs: '5',
      afterId: 'msg_b',
      error: 'disabled',
    });
    const resumed = await create('key-a');
    expect(resumed).toMatchObject({
      created: false,
      job: { id: first.job.id, status: 'running', sent: 2, afterId: 'msg_b', error: null },
    });
    expect(await sut.find('prj_other', first.job.id)).toBeNull();
  });

  it('should let one worker at a time hold a job, the other passing over it without waiting', async () => {
    const { job } = await create('key-b');
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const first = sut.workBatch(job.id, async () => {
      entered();
      await held;
      return { sent: 1, after: { us: '1', id: 'msg_a' }, done: false };
    });
    await inside;
    const started = Date.now();
    expect(await sut.workBatch(job.id, () => Promise.reject(new Error('must not run')))).toBe(
      false,
    );
    expect(Date.now() - started).toBeLessThan(1000);
    release();
    expect(await first).toBe(true);
    expect(
      await sut.workBatch(job.id, () => Promise.resolve({ sent: 2, after: null, done: true })),
    ).toBe(true);
    expect(await sut.find('prj_r', job.id)).toMatchObject({
      status: 'done',
      sent: 3,
      total: 3,
      afterId: 'msg_a',
      finishedAt: expect.any(Date),
    });
    expect(await sut.workBatch(job.id, () => Promise.reject(new Error('ended')))).toBe(false);
    expect(await sut.running(10)).not.toContain(job.id);
  });
});
