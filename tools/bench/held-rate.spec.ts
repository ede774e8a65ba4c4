import { heldSoFar, rates } from './held-rate';

describe('held-rate', () => {
  it('should sum the held tasks of every reason, and nothing else', () => {
    const text = [
      '# HELP hookline_dispatcher_tasks_held_total Tasks held on a retry tier',
      '# TYPE hookline_dispatcher_tasks_held_total counter',
      'hookline_dispatcher_tasks_held_total{reason="circuit_open"} 1200',
      'hookline_dispatcher_tasks_held_total{reason="throttled"} 34',
      'hookline_dispatcher_tasks_held_totally 99',
      'hookline_dispatcher_attempts_total{outcome="success"} 5000',
    ].join('\n');
    expect(heldSoFar(text)).toBe(1234);
    expect(heldSoFar('')).toBe(0);
  });

  it('should give the highest rate between two samples and the mean over all', () => {
    expect(
      rates([
        { at: 0, count: 0 },
        { at: 250, count: 100 },
        { at: 500, count: 1100 },
        { at: 1000, count: 1200 },
      ]),
    ).toEqual({ peak: 4000, mean: 1200 });
    expect(rates([])).toEqual({ peak: 0, mean: 0 });
    expect(rates([{ at: 0, count: 5 }])).toEqual({ peak: 0, mean: 0 });
  });
});
