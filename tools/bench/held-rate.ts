import { request } from 'undici';

const HELD = 'hookline_dispatcher_tasks_held_total';

/** The dispatcher's tasks held so far, every reason summed, from its Prometheus text. */
export function heldSoFar(metrics: string): number {
  let held = 0;
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(HELD) || !(line[HELD.length] === '{' || line[HELD.length] === ' '))
      continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) held += value;
  }
  return held;
}

/** The highest and the mean rate of `samples` (time in ms, count so far), per second. */
export function rates(samples: readonly { at: number; count: number }[]): {
  peak: number;
  mean: number;
} {
  let peak = 0;
  for (let i = 1; i < samples.length; i++) {
    const span = samples[i]!.at - samples[i - 1]!.at;
    if (span > 0)
      peak = Math.max(peak, ((samples[i]!.count - samples[i - 1]!.count) * 1000) / span);
  }
  const first = samples[0];
  const last = samples.at(-1);
  const span = first && last ? last.at - first.at : 0;
  return {
    peak: Math.round(peak),
    mean: span > 0 ? Math.round(((last!.count - first!.count) * 1000) / span) : 0,
  };
}

/**
 * Samples the dispatcher's held tasks every `everyMs` until stopped: how the tasks of open
 * circuits come back to it. A burst of them (every task held until one moment) is what stalls
 * the other tenants' deliveries, and a 30 s p99 is too noisy on a shared machine to show it.
 */
export function sampleHeld(dispatcherOpsUrl: string, everyMs = 250) {
  const samples: { at: number; count: number }[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const at = Date.now();
      try {
        const res = await request(`${dispatcherOpsUrl}/metrics`);
        samples.push({ at, count: heldSoFar(await res.body.text()) });
      } catch {
        // A sample missed is a longer span between the two around it.
      }
      await new Promise((r) => setTimeout(r, Math.max(0, everyMs - (Date.now() - at))));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return rates(samples);
    },
  };
}
