import { readFileSync } from 'node:fs';

/** The parts of a results file (bench/results/*.json) that a comparison reads. */
export interface BenchReport {
  date: string;
  quick: boolean;
  machine: Record<string, unknown>;
  scenarios: {
    scenario?: string;
    name: string;
    figures: Record<string, number | string>;
    services: Record<string, { cpuSeconds: number; peakRssMb: number }>;
  }[];
}

export function readReport(file: string): BenchReport {
  return JSON.parse(readFileSync(file, 'utf8')) as BenchReport;
}

/**
 * `--compare <result.json>`: each figure of this run against the same figure of an earlier one,
 * with the change in percent, so a regression shows without reading two tables side by side.
 * Scenarios match by their key (older files: by the name's first word); services' CPU and peak
 * RSS are compared too.
 */
export function compareReports(before: BenchReport, after: BenchReport): string[] {
  const key = (s: BenchReport['scenarios'][number]) => s.scenario ?? s.name.split(':')[0]!;
  const earlier = new Map(before.scenarios.map((s) => [key(s), s]));
  const lines = [
    `[bench] compared with ${before.date}${before.quick ? ' (quick)' : ''}, node ${String(before.machine.node)} → ${String(after.machine.node)}`,
  ];
  for (const now of after.scenarios) {
    const then = earlier.get(key(now));
    if (!then) {
      lines.push(`  ${key(now)}: not in the earlier run`);
      continue;
    }
    lines.push(`  ${key(now)}`);
    const rows: [string, unknown, unknown][] = Object.entries(now.figures).map(([k, v]) => [
      k,
      then.figures[k],
      v,
    ]);
    for (const [name, s] of Object.entries(now.services)) {
      rows.push([`${name} cpu s`, then.services[name]?.cpuSeconds, s.cpuSeconds]);
      rows.push([`${name} peak RSS MB`, then.services[name]?.peakRssMb, s.peakRssMb]);
    }
    for (const [figure, a, b] of rows) {
      lines.push(
        `    ${figure.padEnd(30)} ${fmt(a).padStart(10)} → ${fmt(b).padStart(10)}  ${change(a, b)}`,
      );
    }
  }
  return lines;
}

function fmt(v: unknown): string {
  return v === undefined ? '—' : String(v);
}

function change(a: unknown, b: unknown): string {
  if (typeof a !== 'number' || typeof b !== 'number' || a === 0) return '';
  const pct = ((b - a) / Math.abs(a)) * 100;
  return `${pct >= 0 ? '+' : ''}${pct.toFixed(1)} %`;
}
