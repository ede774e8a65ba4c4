import { readdirSync, readFileSync } from 'node:fs';

const TICKS = 100; // USER_HZ on Linux

/** The fields of /proc/<pid>/stat after the command name (fields[1] is the parent's pid). */
function statFields(pid: number | string): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** utime + stime, or with `children` cutime + cstime (children that exited and were waited for). */
const cpuOf = (fields: string[], children = false) =>
  (Number(fields[children ? 13 : 11]) + Number(fields[children ? 14 : 12])) / TICKS;

/** CPU seconds used so far and peak resident memory (VmHWM) of a process, from /proc. */
export function processStats(pid: number): { cpuSeconds: number; peakRssMb: number } | undefined {
  try {
    const cpuSeconds = cpuOf(statFields(pid));
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return { cpuSeconds, peakRssMb: Number(hwm ?? 0) / 1024 };
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds of a process and of its children, live and exited (Postgres runs a process per
 * connection; their CPU reaches the parent's counters only when they exit). Peak RSS is the
 * parent's alone: the children share memory with it.
 */
export function processTreeStats(
  pid: number,
): { cpuSeconds: number; peakRssMb: number } | undefined {
  const own = processStats(pid);
  if (!own) return undefined;
  let cpuSeconds = own.cpuSeconds;
  try {
    cpuSeconds += cpuOf(statFields(pid), true);
  } catch {
    return undefined;
  }
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = statFields(entry);
      if (Number(fields[1]) === pid) cpuSeconds += cpuOf(fields);
    } catch {
      /* gone meanwhile */
    }
  }
  return { cpuSeconds, peakRssMb: own.peakRssMb };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** The processes of the pipeline itself — not the receivers, not the load — whose CPU a delivery costs. */
export const PIPELINE = ['registry', 'fanout', 'dispatcher', 'kafka', 'postgres'] as const;

type CpuSnapshot = Record<string, { cpuSeconds: number } | undefined>;

/** CPU seconds the pipeline's processes used between two snapshots. */
export function pipelineCpuSeconds(before: CpuSnapshot, after: CpuSnapshot): number {
  return PIPELINE.reduce(
    (sum, k) => sum + ((after[k]?.cpuSeconds ?? 0) - (before[k]?.cpuSeconds ?? 0)),
    0,
  );
}
