/**
 * Milliseconds that pass only while this process runs: a stretch in which it did not run at all
 * (a long GC pause, a pod throttled to its CPU quota, SIGSTOP) is left out.
 *
 * An endpoint is judged stalled by how long it went without answering (ConcurrencyLimiter). Over
 * such a stretch nothing was answered, because nothing here ran to read the answers: measured on
 * the wall clock, every busy endpoint looked stalled when the process came back, and each had its
 * circuit opened and its tasks held for the cool-down.
 *
 * While watched, a timer beats every `beatMs`; a beat late by more than one whole beat means the
 * process did not run, and the lateness past that is left out. A read between beats leaves out
 * what the next beat will, so time never runs backwards. Unwatched, no timer runs and nothing is
 * left out: the owner watches only while it judges stalls.
 */
export class RunningClock {
  private lost = 0;
  private lastBeat = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly beatMs: number,
    private readonly wall: () => number = () => performance.now(),
  ) {}

  now(): number {
    const t = this.wall();
    return t - this.lost - (this.timer ? this.overdue(t) : 0);
  }

  /** Starts or stops leaving out the time the process did not run. */
  watch(on: boolean): void {
    if (on === (this.timer !== undefined)) return;
    if (on) {
      this.lastBeat = this.wall();
      this.timer = setInterval(() => this.beat(), this.beatMs);
      this.timer.unref();
    } else {
      this.beat();
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private beat(): void {
    const t = this.wall();
    this.lost += this.overdue(t);
    this.lastBeat = t;
  }

  private overdue(t: number): number {
    return Math.max(0, t - this.lastBeat - 2 * this.beatMs);
  }
}
