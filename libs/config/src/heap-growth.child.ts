import { PerformanceObserver, constants } from 'node:perf_hooks';
import { limitHeapGrowth } from './heap-growth';

/*
 * Run with the growth percent as argument (see heap-growth.spec.ts): keeps ~60 MB alive, then
 * allocates a fixed amount of objects that outlive the young generation (promoted, then dropped),
 * and prints how many full collections that took. The less the old generation may grow past what
 * is live, the more often it is collected.
 */
limitHeapGrowth(Number(process.argv[2]));
let fullCollections = 0;
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries())
    if (
      (entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR
    )
      fullCollections++;
});
observer.observe({ entryTypes: ['gc'] });
const live: object[] = [];
for (let i = 0; i < 400_000; i++) live.push({ key: `live-${i}`, values: [i, i + 1] });
let held: object[] = [];
for (let round = 0; round < 6_000; round++) {
  for (let i = 0; i < 10_000; i++) held.push({ key: `held-${round}-${i}`, values: [i] });
  // Held across several rounds, so most of it is promoted before it is dropped.
  if (held.length >= 60_000) held = [];
}
// The observer hears of the last collections on a later turn.
setTimeout(() => {
  observer.disconnect();
  process.stdout.write(JSON.stringify({ fullCollections, kept: live.length + held.length }));
}, 100);
