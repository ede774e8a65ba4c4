import { endpointCircuitKey } from '@hookline/contracts';
import { CircuitBreaker, circuitOutcome, type CircuitSnapshot } from './circuit-breaker';

describe(CircuitBreaker.name, () => {
  const O = 'https://a.example';
  let now = 0;
  let moves: [string, CircuitSnapshot['state']][];
  let sut: CircuitBreaker;

  beforeEach(() => {
    now = 1_000_000;
    moves = [];
    sut = new CircuitBreaker({
      threshold: 3,
      cooldownMs: 5000,
      now: () => now,
      onTransition: (origin, next) => moves.push([origin, next.state]),
    });
  });
  const fail = (n: number) => {
    for (let i = 0; i < n; i++) sut.record(O, 'failure', false);
  };

  it('should open after the threshold of consecutive failures, and a success in between resets the count', () => {
    fail(2);
    sut.record(O, 'success', false);
    fail(2);
    expect(sut.admit(O)).toEqual({ ok: true, probe: false });
    fail(1);
    expect(sut.state(O)).toEqual({ state: 'open', failures: 3, openedAt: now });
    expect(sut.admit(O)).toEqual({ ok: false, retryAt: now + 5000, downSince: now });
    expect(moves).toEqual([[O, 'open']]);
    // Other endpoints are not concerned.
    expect(sut.admit('https://b.example')).toEqual({ ok: true, probe: false });
  });

  it("should keep apart the circuits of endpoints that share an origin (one tenant's failing path holds no other's)", () => {
    const failing = endpointCircuitKey('https://hooks.example/t1?token=x', 'wh_1');
    const healthy = endpointCircuitKey('https://hooks.example/t2', 'wh_2');
    for (let i = 0; i < 5; i++) sut.record(failing, 'failure', false);
    sut.record(healthy, 'success', false);

    expect(sut.admit(failing)).toEqual({ ok: false, retryAt: now + 5000, downSince: now });
    expect(sut.admit(healthy)).toEqual({ ok: true, probe: false });
    // After the cool-down the probe is the failing endpoint's own: its failure reopens only it.
    now += 5000;
    expect(sut.admit(failing)).toEqual({ ok: true, probe: true });
    sut.record(failing, 'failure', true);
    expect(sut.admit(healthy)).toEqual({ ok: true, probe: false });
    expect(sut.counts()).toEqual({ closed: 0, open: 1, half_open: 0 });
  });

  it('should let a held task through to become the probe once a second while the circuit waits for one, and refuse the others as if it were out', () => {
    fail(3);
    const opened = now;
    expect(sut.refusalOfHeld(O)).toEqual({ retryAt: now + 5000, downSince: opened });
    now += 5000;
    // The cool-down is over: the first held task read is let through, to be read and attempted;
    // those read before it reaches the breaker wait as they would behind its probe.
    expect(sut.refusalOfHeld(O)).toBeUndefined();
    expect(sut.refusalOfHeld(O)).toEqual({ retryAt: now + 5000, downSince: opened });
    now += 999;
    expect(sut.refusalOfHeld(O)).toEqual({ retryAt: now + 5000, downSince: opened });
    // One that never became the probe (a copy, a delivery already ended) holds none back for long.
    now += 1;
    expect(sut.refusalOfHeld(O)).toBeUndefined();
    expect(sut.admit(O)).toEqual({ ok: true, probe: true });
    sut.record(O, 'failure', true);
    now += 5000;
    expect(sut.refusalOfHeld(O)).toBeUndefined(); // the next cool-down's own
    sut.record(O, 'success', false);
    expect(sut.refusalOfHeld(O)).toBeUndefined();
    expect(sut.refusalOfHeld(O)).toBeUndefined();
  });

  it('should let one probe through after the cool-down and close on its success', () => {
    fail(3);
    now += 5000;
    expect(sut.admit(O)).toEqual({ ok: true, probe: true });
    expect(sut.admit(O)).toEqual({ ok: false, retryAt: now + 5000, downSince: now - 5000 });
    sut.record(O, 'success', true);
    expect(sut.state(O).state).toBe('closed');
    expect(sut.admit(O)).toEqual({ ok: true, probe: false });
    expect(moves.map(([, s]) => s)).toEqual(['open', 'half_open', 'closed']);
  });

  it('should open again for another cool-down when the probe fails, and free the probe when none was made', () => {
    fail(3);
    now += 5000;
    sut.admit(O);
    sut.record(O, 'neutral', true);
    expect(sut.admit(O)).toEqual({ ok: true, probe: true });
    sut.record(O, 'failure', true);
    expect(sut.state(O)).toMatchObject({ state: 'open', openedAt: now, failures: 4 });
    // Down since the first opening: a failed probe starts a cool-down, not an outage.
    expect(sut.admit(O)).toEqual({ ok: false, retryAt: now + 5000, downSince: now - 5000 });
  });

  it('should tell whether it would refuse an attempt without taking the probe', () => {
    expect(sut.refusal(O)).toBeUndefined();
    fail(3);
    expect(sut.refusal(O)).toEqual({ retryAt: now + 5000, downSince: now });
    now += 5000;
    expect(sut.refusal(O)).toBeUndefined();
    expect(sut.refusal(O)).toBeUndefined();
    expect(sut.state(O).state).toBe('open');
    expect(sut.admit(O)).toEqual({ ok: true, probe: true });
    expect(sut.refusal(O)).toEqual({ retryAt: now + 5000, downSince: now - 5000 });
    expect(moves.map(([, s]) => s)).toEqual(['open', 'half_open']);
  });

  it('should count an outage from its first opening until the circuit closes', () => {
    const since = now;
    fail(3);
    for (let i = 0; i < 3; i++) {
      now += 5000;
      expect(sut.admit(O)).toEqual({ ok: true, probe: true });
      sut.record(O, 'failure', true);
    }
    expect(sut.admit(O)).toEqual({ ok: false, retryAt: now + 5000, downSince: since });
    // A stall while open is the same outage.
    expect(sut.trip(O, false)).toEqual({ retryAt: now + 5000, downSince: since });
    now += 5000;
    sut.admit(O);
    sut.record(O, 'success', true);
    fail(3);
    expect(sut.admit(O)).toEqual({ ok: false, retryAt: now + 5000, downSince: now });
  });

  it('should never open with a threshold of 0', () => {
    const off = new CircuitBreaker({ threshold: 0, cooldownMs: 1000 });
    for (let i = 0; i < 100; i++) off.record(O, 'failure', false);
    expect(off.admit(O)).toEqual({ ok: true, probe: false });
  });

  it.each([
    [{ status: null, errorClass: 'timeout' }, 'failure'],
    [{ status: null, errorClass: 'connection_refused' }, 'failure'],
    [{ status: 503, errorClass: 'http_status' }, 'failure'],
    [{ status: 429, errorClass: 'http_status' }, 'failure'],
    [{ status: 404, errorClass: 'http_status' }, 'success'],
    [{ status: 200, errorClass: null }, 'success'],
    // Headers came, the body did not finish (dripped past the deadline, or the peer cut it): the
    // attempt failed, and the endpoint is no more up than one that never answered.
    [{ status: 200, errorClass: 'timeout' }, 'failure'],
    [{ status: 200, errorClass: 'connection_error' }, 'failure'],
    // A complete answer that is a failure of the request, not of the endpoint: it is up.
    [{ status: 302, errorClass: 'redirect' }, 'success'],
    [{ status: null, errorClass: 'endpoint_busy' }, 'neutral'],
    [{ status: null, errorClass: 'secret_unreadable' }, 'neutral'],
  ])('should read %j as %s', (result, outcome) => {
    expect(circuitOutcome(result)).toBe(outcome);
  });
});
