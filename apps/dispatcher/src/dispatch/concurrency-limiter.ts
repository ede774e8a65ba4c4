interface KeyState {
  active: number;
  waiters: (() => void)[];
  ready: boolean;
}

export type Release = () => void;

/**
 * Bounds concurrent requests overall and per endpoint. Waiting work is served round-robin across
 * endpoints, so the queue of a slow endpoint (full up to its own limit) never stands in front of
 * another endpoint's work.
 */
export class ConcurrencyLimiter {
  private active = 0;
  private readonly keys = new Map<string, KeyState>();
  /** Keys that have waiters and room of their own, waiting only for a global slot. */
  private readonly ready: string[] = [];

  constructor(
    readonly total: number,
    readonly perKey: number,
  ) {
    if (total < 1 || perKey < 1) throw new Error('limits must be at least 1');
  }

  get inFlight(): number {
    return this.active;
  }

  get waiting(): number {
    let n = 0;
    for (const state of this.keys.values()) n += state.waiters.length;
    return n;
  }

  acquire(key: string): Promise<Release> {
    const state = this.state(key);
    return new Promise<Release>((resolve) => {
      const start = () => {
        this.active++;
        state.active++;
        resolve(this.releaser(key, state));
      };
      if (this.active < this.total && state.active < this.perKey && state.waiters.length === 0) {
        start();
        return;
      }
      state.waiters.push(start);
      this.markReady(key, state);
    });
  }

  private releaser(key: string, state: KeyState): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      state.active--;
      this.markReady(key, state);
      this.pump();
      if (state.active === 0 && state.waiters.length === 0) this.keys.delete(key);
    };
  }

  private state(key: string): KeyState {
    let state = this.keys.get(key);
    if (!state) {
      state = { active: 0, waiters: [], ready: false };
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
      state.waiters.shift()!();
      this.markReady(key, state);
    }
  }
}
