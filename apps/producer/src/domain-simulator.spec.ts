import { PRODUCER_EVENT_TYPE_NAMES, findEventType } from '@hookline/contracts';
import { DomainSimulator } from './domain-simulator';

describe(DomainSimulator.name, () => {
  it('should generate valid data for every publishable type, again and again', () => {
    const sut = new DomainSimulator();
    const problems: string[] = [];
    for (let round = 0; round < 50; round++) {
      for (const type of PRODUCER_EVENT_TYPE_NAMES) {
        const data = sut.next(type, `prj_${round % 3}`);
        const result = findEventType(type)!.data.safeParse(data);
        if (!result.success) problems.push(`${type}: ${result.error.message}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('should report metrics of containers the project has', () => {
    const sut = new DomainSimulator();
    const created = sut.next('ignite.deployment.container.created', 'prj_a');
    const containers = new Set([created.container_id]);
    // Updates pick among the project's containers at random: enough of them to have seen each.
    for (let i = 0; i < 1000; i++)
      containers.add(sut.next('ignite.deployment.container.updated', 'prj_a').container_id);
    for (let i = 0; i < 50; i++) {
      expect(containers).toContain(
        sut.next('ignite.deployment.container.metrics_update', 'prj_a').container_id,
      );
    }
  });

  it('should keep money in integer minor units', () => {
    const sut = new DomainSimulator();
    for (let i = 0; i < 100; i++) {
      expect(Number.isInteger(sut.next('project.finance.transaction', 'prj_a').amount)).toBe(true);
    }
  });
});
