import { setFlagsFromString } from 'node:v8';

/**
 * From now on, V8 compiles each function to its baseline tier (Sparkplug) at its first call
 * instead of interpreting it until it has run often enough.
 *
 * The dispatcher calls it once it has started. What it has not run by then is mostly what a
 * tenant's first failures run: the retry and hold paths, circuits opening, the Kafka producer
 * (a fault-free dispatcher never produces). Interpreted, that code ran several times slower for
 * the first few hundred milliseconds of a fault, on the event loop every tenant's deliveries share
 * (the chaos suite's `bad-endpoints`, see docs/chaos.md). Set at the process's start instead, it
 * would also compile the start-up code that runs once: 30–50 MB more RSS per service.
 */
export function compileNewCodeToBaseline(): void {
  setFlagsFromString('--always-sparkplug');
}
