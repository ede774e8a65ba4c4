import type { OperationalEvent } from '@hookline/contracts';
import { createLogger } from '@hookline/telemetry';
import { CircuitBreaker } from './circuit-breaker';
import { CircuitEventAnnouncer } from './circuit-event.announcer';

describe(CircuitEventAnnouncer.name, () => {
  // An endpoint's circuit key is its URL, which may hold a credential.
  const E = 'https://a.example/hook?token=s3cr3t';
  const O = 'https://a.example';
  const cause = { webhookId: 'wh_a', projectId: 'prj_a' };
  let now: number;
  let sent: { topic: string; key: string; event: OperationalEvent }[];
  let breaker: CircuitBreaker;

  beforeEach(() => {
    now = 1_000_000;
    sent = [];
    const announcer = new CircuitEventAnnouncer({
      publisher: {
        send: (topic, m) => {
          sent.push({
            topic,
            key: String(m.key),
            event: JSON.parse(String(m.value)) as OperationalEvent,
          });
          return Promise.resolve();
        },
      },
      topic: 'hookline.operational',
      cooldownMs: 5000,
      log: createLogger('test', 'silent'),
    });
    breaker = new CircuitBreaker({
      threshold: 2,
      cooldownMs: 5000,
      now: () => now,
      onTransition: (origin, next, previous, c) => announcer.announce(origin, next, previous, c),
    });
  });

  it("should announce an outage once, when it opens and when it closes, not each failed probe, naming the endpoint's origin only", () => {
    for (let i = 0; i < 5; i++) breaker.record(E, 'failure', false, cause);
    const opened = now;
    // Two failed probes: the circuit opens again each time, one outage all along.
    for (let i = 0; i < 2; i++) {
      now += 5000;
      expect(breaker.admit(E)).toEqual({ ok: true, probe: true });
      breaker.record(E, 'failure', true, cause);
    }
    now += 5000;
    breaker.admit(E);
    breaker.record(E, 'success', true, { webhookId: 'wh_b', projectId: 'prj_b' });

    expect(sent.map((s) => [s.topic, s.key, s.event.event])).toEqual([
      ['hookline.operational', 'prj_a', 'webhook.circuit_opened'],
      ['hookline.operational', 'prj_b', 'webhook.circuit_closed'],
    ]);
    expect(sent[0]!.event.data).toEqual({
      webhook_id: 'wh_a',
      origin: O,
      reason: 'failures',
      failures: 2,
      opened_at: new Date(opened).toISOString(),
      retry_at: new Date(opened + 5000).toISOString(),
    });
    expect(sent[1]!.event.data).toEqual({
      webhook_id: 'wh_b',
      origin: O,
      opened_at: new Date(opened).toISOString(),
    });
    expect(JSON.stringify(sent)).not.toContain('s3cr3t');
  });

  it('should announce nothing for a transition no attempt of a webhook caused', () => {
    for (let i = 0; i < 2; i++) breaker.record(E, 'failure', false);
    expect(breaker.state(E).state).toBe('open');
    expect(sent).toEqual([]);
  });
});
