import type { AttemptErrorClass, CircuitState } from '@hookline/contracts';

/** What an attempt says of its endpoint's health; `neutral`: nothing (no request was made). */
export type CircuitOutcome = 'success' | 'failure' | 'neutral';

export interface CircuitSnapshot {
  state: CircuitState;
  failures: number;
  /** ms since epoch; null while closed. */
  openedAt: number | null;
  /** Set on the transition that opened it because the endpoint stalled (see `trip`). */
  stalled?: true;
}

/** The webhook whose attempt's outcome is recorded: a transition it causes is announced to it. */
export interface CircuitCause {
  webhookId: string;
  projectId: string;
}

/**
 * No attempt now: the circuit lets one through at `retryAt`; the endpoint has been down since
 * `downSince` (its circuit's first opening in this outage, kept through probes that failed).
 */
export interface CircuitRefusal {
  retryAt: number;
  downSince: number;
}

/** May an attempt go to this endpoint now: a probe is the one attempt of a half-open circuit. */
export type CircuitGate = { ok: true; probe: boolean } | ({ ok: false } & CircuitRefusal);

/**
 * How long a held task let through to become a circuit's probe (see refusalOfHeld) holds back the
 * others read after it: ample for its decode and the steps before its attempt, and short enough
 * that one which never reaches the breaker (a copy, a delivery already ended) delays none much.
 */
const PROBE_CANDIDATE_MS = 1000;

interface Circuit extends CircuitSnapshot {
  probing: boolean;
  /** When refusalOfHeld last let a held task through to become the probe; unset once one is. */
  candidateAt?: number;
  /** When the circuit opened from closed (kept while it reopens); null while closed. */
  downSince: number | null;
}

export interface CircuitBreakerOptions {
  /** Consecutive failed attempts that open a circuit; 0: never opens. */
  threshold: number;
  /** How long an open circuit waits before it lets one probe through. */
  cooldownMs: number;
  now?: () => number;
  /** Every change of state, to record and to count (never awaited: not on the attempt's path). */
  onTransition?: (
    endpoint: string,
    next: CircuitSnapshot,
    previous: CircuitState,
    cause?: CircuitCause,
  ) => void;
}

/**
 * A circuit breaker per endpoint (its URL, see endpointCircuitKey: not its origin, which many
 * tenants' endpoints share, so that one failing endpoint holds no other's deliveries).
 * `threshold` consecutive failed attempts (no answer, 5xx, 429) open it; while open no attempt is
 * made — the ConcurrencyLimiter answers `open` and the lifecycle holds the task on a retry tier
 * (until the cool-down ends, or longer once the outage has lasted: see circuitHoldUntil), not
 * counted as an attempt nor toward disabling the webhook: the endpoint is known to be down, so an
 * attempt would only spend the task's retries (and the webhook's failure budget) on an outage the
 * breaker already saw.
 * After the cool-down one probe goes through (half-open); its success closes the circuit, its
 * failure opens it again for another cool-down. Any answer from the endpoint other than 5xx or
 * 429 (a 2xx, a 4xx) shows it is up and closes the circuit. An endpoint that stalls (see
 * ConcurrencyLimiter) opens it at once (`trip`): its hung requests have not failed yet, but the
 * tasks behind them would otherwise be turned away one by one, each spending an attempt.
 *
 * Kept per dispatcher process: each replica learns an outage from its own attempts (the endpoint's
 * row in endpoint_circuits, which the API shows, is the last transition any replica recorded).
 */
export class CircuitBreaker {
  private readonly circuits = new Map<string, Circuit>();
  private readonly now: () => number;

  constructor(private readonly options: CircuitBreakerOptions) {
    this.now = options.now ?? Date.now;
  }

  admit(endpoint: string): CircuitGate {
    const refused = this.refusal(endpoint);
    if (refused) return { ok: false, ...refused };
    const c = this.circuits.get(endpoint);
    if (!c || c.state === 'closed') return { ok: true, probe: false };
    // Open past its cool-down, or half-open with no probe out: this attempt is the probe.
    if (c.state === 'open') this.move(endpoint, c, 'half_open');
    c.probing = true;
    c.candidateAt = undefined;
    return { ok: true, probe: true };
  }

  /** Whether `admit` would refuse an attempt now, and until when; it changes nothing. */
  refusal(endpoint: string): CircuitRefusal | undefined {
    const c = this.circuits.get(endpoint);
    if (!c || c.state === 'closed') return undefined;
    const now = this.now();
    const downSince = c.downSince!;
    if (c.state === 'open') {
      const due = c.openedAt! + this.options.cooldownMs;
      return now < due ? { retryAt: due, downSince } : undefined;
    }
    // Half-open: one probe at a time; the others wait as long as a cool-down.
    return c.probing ? { retryAt: now + this.options.cooldownMs, downSince } : undefined;
  }

  /**
   * refusal() for a task held for this circuit before, read again (see
   * DeliveryService.heldAgain), which is held again unread when refused. Such tasks come back
   * together when the cool-down ends, before any of them has reached `admit` as the probe, so
   * while the circuit waits for its probe the first is let through, to be read and attempted, and
   * those read in the next PROBE_CANDIDATE_MS are refused as they would be behind its probe.
   */
  refusalOfHeld(endpoint: string): CircuitRefusal | undefined {
    const refused = this.refusal(endpoint);
    const c = this.circuits.get(endpoint);
    if (refused || !c || c.state === 'closed') return refused;
    const now = this.now();
    if (c.candidateAt === undefined || now - c.candidateAt >= PROBE_CANDIDATE_MS) {
      c.candidateAt = now;
      return undefined;
    }
    return { retryAt: now + this.options.cooldownMs, downSince: c.downSince! };
  }

  record(endpoint: string, outcome: CircuitOutcome, probe: boolean, cause?: CircuitCause): void {
    if (this.options.threshold <= 0) return;
    let c = this.circuits.get(endpoint);
    if (probe && c) c.probing = false;
    if (outcome === 'neutral') return;
    if (outcome === 'success') {
      if (!c) return;
      if (c.state !== 'closed') {
        c.failures = 0;
        c.openedAt = null;
        this.move(endpoint, c, 'closed', cause);
      }
      this.circuits.delete(endpoint);
      return;
    }
    if (!c) {
      c = { state: 'closed', failures: 0, openedAt: null, probing: false, downSince: null };
      this.circuits.set(endpoint, c);
    }
    c.failures++;
    const reopen = c.state === 'half_open' && probe;
    if (reopen || (c.state === 'closed' && c.failures >= this.options.threshold)) {
      c.openedAt = this.now();
      c.downSince ??= c.openedAt;
      this.move(endpoint, c, 'open', cause);
    }
  }

  /**
   * Opens the circuit at once, whatever its count: the endpoint is stalled (every connection to it
   * taken and none freed for a while), and more requests would only queue behind the hung ones.
   * Answers when the circuit lets a probe through, or undefined when there is no breaker.
   */
  trip(endpoint: string, probe: boolean, cause?: CircuitCause): CircuitRefusal | undefined {
    if (this.options.threshold <= 0) return undefined;
    let c = this.circuits.get(endpoint);
    if (!c) {
      c = { state: 'closed', failures: 0, openedAt: null, probing: false, downSince: null };
      this.circuits.set(endpoint, c);
    }
    if (probe) c.probing = false;
    if (c.state !== 'open') {
      c.openedAt = this.now();
      c.downSince ??= c.openedAt;
      this.move(endpoint, c, 'open', cause, true);
    }
    return {
      retryAt: c.openedAt! + this.options.cooldownMs,
      downSince: c.downSince!,
    };
  }

  /** How many endpoints are in each state (closed: those with failures counted, not yet open). */
  counts(): Record<CircuitState, number> {
    const counts = { closed: 0, open: 0, half_open: 0 };
    for (const c of this.circuits.values()) counts[c.state]++;
    return counts;
  }

  state(endpoint: string): CircuitSnapshot {
    const c = this.circuits.get(endpoint);
    return c
      ? { state: c.state, failures: c.failures, openedAt: c.openedAt }
      : { state: 'closed', failures: 0, openedAt: null };
  }

  private move(
    endpoint: string,
    c: Circuit,
    next: CircuitState,
    cause?: CircuitCause,
    stalled = false,
  ): void {
    const previous = c.state;
    c.state = next;
    this.options.onTransition?.(
      endpoint,
      { state: next, failures: c.failures, openedAt: c.openedAt, ...(stalled && { stalled }) },
      previous,
      cause,
    );
  }
}

/** Error classes of a complete answer: the endpoint answered, whatever it said. */
const ANSWERS: ReadonlySet<string> = new Set<AttemptErrorClass>(['http_status', 'redirect']);

/**
 * What an attempt's result says of the endpoint: no complete answer, 5xx and 429 are failures.
 * A status alone is not an answer: an endpoint that sends `200` and then drips its body past the
 * deadline (or cuts the connection mid-body) failed the attempt, and counted as up it closed its
 * circuit at every deadline, letting a new round of requests hang on it.
 */
export function circuitOutcome(result: {
  status: number | null;
  errorClass: string | null;
}): CircuitOutcome {
  if (result.errorClass === 'secret_unreadable' || result.errorClass === 'endpoint_busy')
    return 'neutral';
  if (result.errorClass === 'blocked_address' || result.errorClass === 'invalid_url')
    return 'neutral';
  if (result.status === null) return 'failure';
  // Headers came, but not the whole answer (see above).
  if (result.errorClass !== null && !ANSWERS.has(result.errorClass)) return 'failure';
  return result.status >= 500 || result.status === 429 ? 'failure' : 'success';
}
