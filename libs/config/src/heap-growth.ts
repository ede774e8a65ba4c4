import { setFlagsFromString } from 'node:v8';

const FLAG = '--heap-growing-percent';

/**
 * The V8 flag that limitHeapGrowth sets, or undefined: 0 leaves V8's own choice, and a flag the
 * process was started with (a command line, HOOKLINE_NODE_FLAGS) wins.
 */
export function heapGrowthFlag(percent: number, execArgv: readonly string[]): string | undefined {
  if (percent <= 0 || execArgv.some((a) => a === FLAG || a.startsWith(`${FLAG}=`)))
    return undefined;
  return `${FLAG}=${Math.round(percent)}`;
}

/**
 * Has V8 collect the old generation again once it has grown to (1 + percent / 100) times what
 * the last full collection left alive, whatever V8 would have chosen.
 *
 * Under its default heap limit (2 GB and more on a 64-bit machine) V8 lets it grow to up to four
 * times what is live. The dispatcher and the fan-out keep 50–60 MB alive (mostly the modules'
 * source and code) and promote what is in flight, so at saturation their old generation climbed to
 * ~200 MB between full collections and the dispatcher's RSS past 400 MB. Twice what is live took
 * ~100 MB off it for ~5 % more of its CPU (docs/performance.md). Node refuses this flag in
 * NODE_OPTIONS, and V8 reads it at every full collection, so the service sets it first thing,
 * whichever way it was started.
 */
export function limitHeapGrowth(
  percent: number,
  execArgv: readonly string[] = process.execArgv,
): void {
  const flag = heapGrowthFlag(percent, execArgv);
  if (flag) setFlagsFromString(flag);
}
