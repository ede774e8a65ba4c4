import { RunningClock } from './running-clock';
import type {
  CircuitBreaker,
  CircuitCause,
  CircuitOutcome,
  CircuitRefusal,
} from './circuit-breaker';

interface Waiter {
  start: () => void;
  turnAway: () => void;
  since: number;
}

interface KeyState {
  active: number;
  waiters: Waiter[];
  ready: boolean;
  /** When a slot of this key last started or ended. */
  movedAt: number;
}

export type Release = () => void;

/**
 * A slot, released with what the attempt said of the endpoint; or no attempt: its circuit is open
 * (`open`: hold it, see CircuitRefusal), it is stalled with no breaker to open (`busy`: fail it, into
 * its retries), or it stopped draining with a full round of work already waiting (`deferred`: hold
 * it for maxWaitMs, by when the endpoint has moved or its circuit has opened).
 */
export type Admission =
  | { release: (outcome?: CircuitOutcome, cause?: CircuitCause) => void; probe: boolean }
  | { refused: 'busy' }
  | { refused: 'deferred' }
  | ({ refused: 'open' } & CircuitRefusal);

/**
 * Bounds concurrent requests overall and per endpoint. Waiting work is served round-robin across
 * endpoints, so the queue of a slow endpoint (full up to its own limit) never stands in front of
 * another endpoint's work.
 *
 * An endpoint with every slot taken and none freed for `maxWaitMs` is stalled (it hangs, or drips
 * its answers until the deadline): work waiting for it past that is turned away (`acquire`
 * resolves undefined), and so is new work while it stays stalled. Waiting work is unfinished work
 * of the consumer, counted against its pending limits; unbounded, a stalled endpoint's queue grows
 * with its traffic until those limits pause the partitions every other endpoint's tasks share.
 *
 * With a CircuitBreaker, `admit` asks it first (by the circuit key, which may be finer than the
 * slot key): an endpoint that keeps failing gets no slot at all while its circuit is open, and
 * each released slot reports how the attempt went. A stalled endpoint's circuit is opened at once
 * (CircuitBreaker.trip): the work turned away is held for the cool-down instead of failed, and so
 * is its next work, until a probe finds it answering.
 *
 * Until then its queue would still grow for maxWaitMs at its traffic's rate: an endpoint with every
 * slot taken, none freed for a quarter of maxWaitMs and a full round of work (perKey) waiting gets
 * no more waiting work (`deferred`). An endpoint that keeps freeing slots queues whatever comes.
 *
 * These times are measured on a RunningClock unless `now` is given: a stretch in which this
 * process did not run at all is nobody's stall.
 */
export class ConcurrencyLimiter {
  private active = 0;
  private readonly keys = new Map<string, KeyState>();
  /** Keys that have waiters and room of their own, waiting only for a global slot. */
  private readonly ready: string[] = [];
  private sweep?: NodeJS.Timeout;
  /** Keys with every slot taken: only while there are any can an endpoint be found stalled. */
  private fullKeys = 0;
  private readonly running?: RunningClock;
  private readonly now: () => number;

  constructor(
    readonly total: number,
    readonly perKey: number,
    readonly maxWaitMs = Infinity,
    now?: () => number,
    readonly circuit?: CircuitBreaker,
  ) {
    if (total < 1 || perKey < 1) throw new Error('limits must be at least 1');
    if (now) this.now = now;
    // With no wait limit no endpoint is ever judged stalled: the wall clock does.
    else if (maxWaitMs === Infinity) this.now = () => performance.now();
    else {
      // What the clock may still count of a pause is two beats: well under the quarter of
      // maxWaitMs after which a backed-up endpoint's work is deferred.
      const running = new RunningClock(Math.max(5, maxWaitMs / 16));
      this.running = running;
      this.now = () => running.now();
    }
  }

  get inFlight(): number {
    return this.active;
  }

  get waiting(): number {
    let n = 0;
    for (const state of this.keys.values()) n += state.waiters.length;
    return n;
  }

  /**
   * The breaker's leave for `circuitKey` (default `key`; skipped with `bypassCircuit`: a manual
   * attempt, which a person asked for), then a slot of `key`; see Admission. The two differ when
   * endpoints share a pool of connections (an origin) but each has a circuit of its own.
   */
  async admit(
    key: string,
    options: { bypassCircuit?: boolean; circuitKey?: string; cause?: CircuitCause } = {},
  ): Promise<Admission> {
    const circuitKey = options.circuitKey ?? key;
    const gate =
      this.circuit && !options.bypassCircuit
        ? this.circuit.admit(circuitKey)
        : ({ ok: true, probe: false } as const);
    if (!gate.ok) return { refused: 'open', retryAt: gate.retryAt, downSince: gate.downSince };
    // A manual attempt waits its turn: a person asked for it.
    if (!options.bypassCircuit && this.backedUp(key)) {
      if (gate.probe) this.circuit?.record(circuitKey, 'neutral', true);
      return { refused: 'deferred' };
    }
    const release = await this.acquire(key);
    if (!release) {
      const refusal = options.bypassCircuit
        ? undefined
        : this.circuit?.trip(circuitKey, gate.probe, options.cause);
      // No breaker to open (nor a probe to free: only a breaker gives one).
      return refusal === undefined ? { refused: 'busy' } : { refused: 'open', ...refusal };
    }
    let released = false;
    return {
      probe: gate.probe,
      release: (outcome = 'neutral', cause) => {
        if (released) return;
        released = true;
        release();
        this.circuit?.record(circuitKey, outcome, gate.probe, cause);
      },
    };
  }

  /** A slot for `key`, or undefined when its endpoint is stalled (see the class). */
  acquire(key: string): Promise<Release | undefined> {
    const state = this.state(key);
    return new Promise<Release | undefined>((resolve) => {
      const start = () => {
        this.active++;
        if (++state.active === this.perKey && this.fullKeys++ === 0) this.running?.watch(true);
        state.movedAt = this.now();
        resolve(this.releaser(key, state));
      };
      if (this.active < this.total && state.active < this.perKey && state.waiters.length === 0) {
        start();
        return;
      }
      if (this.stalled(state, this.now(), -Infinity)) {
        resolve(undefined);
        return;
      }
      state.waiters.push({ start, turnAway: () => resolve(undefined), since: this.now() });
      this.markReady(key, state);
      this.scheduleSweep();
    });
  }

  /** Every slot of `key` taken, none freed for a quarter of maxWaitMs, a full round waiting. */
  private backedUp(key: string): boolean {
    const state = this.keys.get(key);
    return (
      state !== undefined &&
      state.active >= this.perKey &&
      state.waiters.length >= this.perKey &&
      this.now() - state.movedAt > this.maxWaitMs / 4
    );
  }

  /** Every slot taken and none freed for maxWaitMs, while work waited from `since` on. */
  private stalled(state: KeyState, now: number, since: number): boolean {
    return state.active >= this.perKey && now - Math.max(since, state.movedAt) > this.maxWaitMs;
  }

  private scheduleSweep(): void {
    if (this.sweep || this.maxWaitMs === Infinity) return;
    this.sweep = setTimeout(
      () => {
        this.sweep = undefined;
        this.turnAwayStalled();
      },
      Math.max(10, this.maxWaitMs / 4),
    );
    this.sweep.unref();
  }

  private turnAwayStalled(): void {
    const now = this.now();
    let waiting = false;
    for (const [key, state] of this.keys) {
      while (state.waiters[0] && this.stalled(state, now, state.waiters[0].since))
        state.waiters.shift()!.turnAway();
      if (state.waiters.length > 0) waiting = true;
      else if (state.active === 0) this.keys.delete(key);
    }
    if (waiting) this.scheduleSweep();
  }

  private releaser(key: string, state: KeyState): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      if (state.active-- === this.perKey && --this.fullKeys === 0) this.running?.watch(false);
      state.movedAt = this.now();
      this.markReady(key, state);
      this.pump();
      if (state.active === 0 && state.waiters.length === 0) this.keys.delete(key);
    };
  }

  private state(key: string): KeyState {
    let state = this.keys.get(key);
    if (!state) {
      state = { active: 0, waiters: [], ready: false, movedAt: this.now() };
      this.keys.set(key, state);
    }
    return state;
  }

  private markReady(key: string, state: KeyState): void {
    if (!state.ready && state.waiters.length > 0 && state.active < this.perKey) {
      state.ready = true;
      this.ready.push(key);
    }
  }

  private pump(): void {
    while (this.active < this.total && this.ready.length > 0) {
      const key = this.ready.shift()!;
      const state = this.keys.get(key);
      if (!state) continue;
      state.ready = false;
      if (state.waiters.length === 0 || state.active >= this.perKey) continue;
      state.waiters.shift()!.start();
      this.markReady(key, state);
    }
  }
}
