import type { ChaosEndpoint, ChaosScenario } from './chaos-scenarios';
import { MisbehavingEndpoints, type Misbehaviour } from './misbehaving-endpoint';

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
  let bad: MisbehavingEndpoints | undefined;
  const healthy: ChaosEndpoint = { answer: () => 200, owed: true };
  const misbehaving = MISBEHAVIOURS.map((_, i): ChaosEndpoint => ({
    answer: () => 200,
    owed: false,
    endsDisabled: false,
    url: () => bad!.urls[i]!,
  }));
  return {
    name: 'bad-endpoints',
    description: `${HEALTHY} healthy endpoints beside ${MISBEHAVIOURS.length} that ${MISBEHAVIOURS.join(', ')} from mid-stream on; healthy p99 against a fault-free run`,
    quick: false,
    load: { rate: 150, seconds: 20 },
    baseline: true,
    endpoints: [...misbehaving, ...Array.from({ length: HEALTHY }, () => healthy)],
    async setUp() {
      bad = await MisbehavingEndpoints.start(MISBEHAVIOURS);
    },
    async inject(_hl, log) {
      bad!.misbehave();
      log(`endpoints misbehave from now on: ${MISBEHAVIOURS.join(', ')}`);
    },
    async tearDown(_hl, log) {
      if (!bad) return;
      const requests = await bad.close();
      log(
        `requests to the bad endpoints: ${MISBEHAVIOURS.map((m, i) => `${m} ${requests[i]}`).join(', ')}`,
      );
      bad = undefined;
    },
  };
}

/** Endpoints that misbehave beside healthy ones. */
export const BAD_ENDPOINT_SCENARIOS: readonly ChaosScenario[] = [badEndpoints()];
