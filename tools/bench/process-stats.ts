import { readdirSync, readFileSync } from 'node:fs';

const TICKS = 100; // USER_HZ on Linux

/** CPU seconds used so far and peak resident memory (VmHWM) of a process, from /proc. */
export function processStats(pid: number): { cpuSeconds: number; peakRssMb: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / TICKS;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return { cpuSeconds, peakRssMb: Number(hwm ?? 0) / 1024 };
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds of a process and of its children (Postgres runs a process per connection; their
 * CPU reaches the parent's counters only when they exit). Peak RSS is the parent's alone: the
 * children's share memory with it.
 */
export function processTreeStats(
  pid: number,
): { cpuSeconds: number; peakRssMb: number } | undefined {
  const own = processStats(pid);
  if (!own) return undefined;
  // Plus the children that exited and were waited for (cutime, cstime).
  const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const stat = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
  let cpuSeconds = own.cpuSeconds + (Number(stat[13]) + Number(stat[14])) / TICKS;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid)
        cpuSeconds += (Number(fields[11]) + Number(fields[12])) / TICKS;
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
