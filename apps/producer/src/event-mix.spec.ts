import { PRODUCER_EVENT_TYPE_NAMES } from '@hookline/contracts';
import { DEFAULT_WEIGHTS, EventMix, EventMixError } from './event-mix';

describe(EventMix.name, () => {
  it('should cover every publishable type by default, metrics most, transactions least', () => {
    const sut = EventMix.parse(undefined);
    expect([...sut.types].sort()).toEqual([...PRODUCER_EVENT_TYPE_NAMES].sort());
    const counts = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      const type = sut.next();
      counts.set(type, (counts.get(type) ?? 0) + 1);
    }
    const metrics = counts.get('ignite.deployment.container.metrics_update')!;
    expect(metrics / 20_000).toBeGreaterThan(0.5);
    expect(counts.get('project.finance.transaction') ?? 0).toBeLessThan(
      counts.get('ignite.deployment.created')! + 50,
    );
  });

  it('should follow the weights', () => {
    let x = 0;
    const sequence = () => (x = (x + 0.1) % 1);
    const sut = EventMix.parse('project.updated=1,project.finance.transaction=3');
    const picked = Array.from({ length: 10 }, () => sut.next(sequence));
    expect(picked.filter((t) => t === 'project.updated').length).toBe(2);
    expect(picked.filter((t) => t === 'project.finance.transaction').length).toBe(8);
  });

  it('should expand wildcards with the default weights', () => {
    const sut = EventMix.parse('ignite.deployment.gateway.*');
    expect(sut.types.sort()).toEqual([
      'ignite.deployment.gateway.created',
      'ignite.deployment.gateway.deleted',
      'ignite.deployment.gateway.updated',
    ]);
    expect(DEFAULT_WEIGHTS['ignite.deployment.gateway.created']).toBeGreaterThan(0);
  });

  it('should refuse unknown or platform types and bad weights', () => {
    expect(() => EventMix.parse('ignite.deployment.exploded')).toThrow(EventMixError);
    expect(() => EventMix.parse('webhook.ping')).toThrow(EventMixError);
    expect(() => EventMix.parse('project.updated=0')).toThrow('positive weight');
  });
});
