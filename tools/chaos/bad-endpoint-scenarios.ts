import type { ChaosEndpoint, ChaosScenario } from './chaos-scenarios';
import { MisbehavingEndpoint, type Misbehaviour } from './misbehaving-endpoint';

const MISBEHAVIOURS: readonly Misbehaviour[] = ['hang', 'drip', 'huge', 'reset', 'retry-after'];
const HEALTHY = 2;

/**
 * Healthy endpoints beside five that misbehave (hang, drip one byte a second, answer 10 MB, reset
 * the connection, answer 429 with Retry-After), all subscribed to the same stream; the bad ones
 * start misbehaving mid-stream and keep on. The runner first runs the same load to the same
 * endpoints without the fault (the bad ones answering 200 throughout); the healthy p99 may rise by
 * at most 20 % over that run's (P99_TOLERANCE). The bad endpoints' deliveries are not owed: they
 * end in retries and the DLQ.
 */
function badEndpoints(): ChaosScenario {
  let bad: MisbehavingEndpoint[] = [];
  const healthy: ChaosEndpoint = { answer: () => 200, owed: true };
  const misbehaving = MISBEHAVIOURS.map((_, i): ChaosEndpoint => ({
    answer: () => 200,
    owed: false,
    endsDisabled: false,
    url: () => bad[i]!.url,
  }));
  return {
    name: 'bad-endpoints',
    description: `${HEALTHY} healthy endpoints beside ${MISBEHAVIOURS.length} that ${MISBEHAVIOURS.join(', ')} from mid-stream on; healthy p99 against a fault-free run`,
    quick: false,
    load: { rate: 150, seconds: 20 },
    baseline: true,
    endpoints: [...misbehaving, ...Array.from({ length: HEALTHY }, () => healthy)],
    async setUp() {
      bad = await Promise.all(MISBEHAVIOURS.map((m) => MisbehavingEndpoint.start(m)));
    },
    async inject(_hl, log) {
      for (const endpoint of bad) endpoint.on = true;
      log(`endpoints misbehave from now on: ${MISBEHAVIOURS.join(', ')}`);
    },
    async tearDown(_hl, log) {
      log(
        `requests to the bad endpoints: ${bad.map((b) => `${b.behaviour} ${b.requests}`).join(', ')}`,
      );
      await Promise.all(bad.map((b) => b.close()));
      bad = [];
    },
  };
}

/** Endpoints that misbehave beside healthy ones. */
export const BAD_ENDPOINT_SCENARIOS: readonly ChaosScenario[] = [badEndpoints()];
