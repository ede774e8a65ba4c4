import { compareReports, type BenchReport } from './bench-compare';

const report = (node: string, dps: number, cpu: number, extra = {}): BenchReport => ({
  date: `2026-12-02T00:00:0${dps % 10}Z`,
  quick: false,
  machine: { node },
  scenarios: [
    {
      scenario: 'throughput',
      name: 'throughput: 100 projects',
      figures: { deliveries_per_s: dps, p99_ms: 50, ...extra },
      services: { dispatcher: { cpuSeconds: cpu, peakRssMb: 300 } },
    },
  ],
});

describe('compareReports', () => {
  it('prints each figure and service cost with its change against the earlier run', () => {
    const lines = compareReports(report('v20.20.2', 3000, 40), report('v26.12.1', 4500, 30));
    expect(lines[0]).toContain('node v20.20.2 → v26.12.1');
    expect(lines.find((l) => l.includes('deliveries_per_s'))).toMatch(/3000 →\s+4500\s+\+50\.0 %/);
    expect(lines.find((l) => l.includes('dispatcher cpu s'))).toMatch(/40 →\s+30\s+-25\.0 %/);
    expect(lines.find((l) => l.includes('p99_ms'))).toMatch(/50 →\s+50\s+\+0\.0 %/);
  });

  it('shows a figure the earlier run did not have, and matches older files by the name', () => {
    const old = report('v20', 3000, 40);
    delete old.scenarios[0]!.scenario;
    const lines = compareReports(
      old,
      report('v26', 3000, 40, { pipeline_cpu_ms_per_delivery: 0.4 }),
    );
    expect(lines.find((l) => l.includes('pipeline_cpu_ms_per_delivery'))).toMatch(
      /—\s+→\s+0\.4\s*$/,
    );
  });

  it('says when a scenario is new', () => {
    const now = report('v26', 1, 1);
    now.scenarios[0]!.scenario = 'ingest-fanout';
    expect(compareReports(report('v20', 1, 1), now)).toContain(
      '  ingest-fanout: not in the earlier run',
    );
  });
});
