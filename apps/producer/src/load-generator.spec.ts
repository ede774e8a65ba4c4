import { EventMix } from './event-mix';
import { LoadGenerator } from './load-generator';

describe(LoadGenerator.name, () => {
  const mix = EventMix.parse(undefined);

  function publisher(fail = false) {
    const published: { type: string; projectId: string }[] = [];
    return {
      published,
      publish: jest.fn(
        async (type: string, _data: unknown, { projectId }: { projectId: string }) => {
          if (fail) throw new Error('broker down');
          published.push({ type, projectId });
          return { id: `evt_${published.length}` };
        },
      ),
    };
  }

  it('should publish exactly --count events, round-robin over the projects', async () => {
    const fake = publisher();
    const sut = new LoadGenerator(
      fake,
      { rate: 0, count: 30, projects: ['prj_a', 'prj_b', 'prj_c'], mix },
      () => undefined,
    );
    const report = await sut.run();
    expect(report).toMatchObject({ sent: 30, failed: 0 });
    expect(fake.published.filter((p) => p.projectId === 'prj_b')).toHaveLength(10);
  });

  it('should hold the rate', async () => {
    const fake = publisher();
    const sut = new LoadGenerator(
      fake,
      { rate: 200, count: 40, projects: ['prj_a'], mix },
      () => undefined,
    );
    const report = await sut.run();
    // 40 events at 200/s: the last is due after 195 ms.
    expect(report.elapsedMs).toBeGreaterThanOrEqual(180);
    expect(report.sent).toBe(40);
  });

  it('should count failures and stop when asked', async () => {
    const fake = publisher(true);
    const sut = new LoadGenerator(fake, { rate: 1000, projects: ['prj_a'], mix }, () => undefined);
    fake.publish.mockImplementation(async () => {
      if (fake.publish.mock.calls.length === 5) sut.stop();
      throw new Error('broker down');
    });
    const report = await sut.run();
    expect(report.sent).toBe(0);
    // Events issued in the same turn as the fifth still go out; then it stops.
    expect(report.failed).toBe(fake.publish.mock.calls.length);
    expect(report.failed).toBeGreaterThanOrEqual(5);
    expect(report.lastError).toBe('broker down');
  });
});
