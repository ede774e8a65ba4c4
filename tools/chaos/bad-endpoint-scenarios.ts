import { getPriority, setPriority } from 'node:os';
import type { ChaosEndpoint, ChaosScenario } from './chaos-scenarios';
import { MisbehavingEndpoints, type Misbehaviour } from './misbehaving-endpoint';

const MISBEHAVIOURS: readonly Misbehaviour[] = ['hang', 'drip', 'huge', 'reset', 'retry-after'];
const HEALTHY = 2;

/**
 * The runner's niceness while the scenario runs. Its thread publishes the stream and serves the
 * healthy endpoints, so the latencies measured end when it reads its clock for a receipt. At nice
 * 0 it shared the two cores with the pipeline, and the fault's start made it wait for one: 198 ms
 * a second in the fault's first 500 ms against 125 in the fault-free window (medians of six runs),
 * waits that were counted as the healthy deliveries' latency. A tenant's servers and producers do
 * not run on the dispatcher's cores, as the misbehaving endpoints' own niceness says too
 * (MisbehavingEndpoints); at -5 it waited 106 and 81 ms a second (docs/chaos.md).
 */
const RUNNER_NICENESS = -5;

/**
 * Raises the calling thread's priority (on Linux a niceness is a thread's: the services and the
 * misbehaving endpoints, started before, keep theirs); answers how to put it back. Undefined where
 * that is not permitted (not root): the receipt times then include the runner's waits for a core,
 * as they did before.
 */
function raiseRunnerPriority(log: (line: string) => void): (() => void) | undefined {
  const before = getPriority();
  try {
    setPriority(RUNNER_NICENESS);
    return () => setPriority(before);
  } catch (e) {
    log(
      `the runner keeps its priority (${(e as Error).message}): its receipt times include its waits for a core`,
    );
    return undefined;
  }
}

/**
 * Healthy endpoints beside five that misbehave (hang, drip one byte a second, answer 10 MB, reset
 * the connection, answer 429 with Retry-After), all subscribed to the same stream; the bad ones
 * start misbehaving at the fault and keep on. The runner first runs the same load to the same
 * endpoints without the fault (the bad ones answering 200 throughout); the healthy p99 may rise by
 * at most 20 % over that run's (P99_TOLERANCE). The bad endpoints' deliveries are not owed: they
 * end in retries and the DLQ.
 */
function badEndpoints(): ChaosScenario {
  let bad: MisbehavingEndpoints | undefined;
  let restorePriority: (() => void) | undefined;
  const healthy: ChaosEndpoint = { answer: () => 200, owed: true };
  const misbehaving = MISBEHAVIOURS.map((_, i): ChaosEndpoint => ({
    answer: () => 200,
    owed: false,
    endsDisabled: false,
    url: () => bad!.urls[i]!,
  }));
  return {
    name: 'bad-endpoints',
    description: `${HEALTHY} healthy endpoints beside ${MISBEHAVIOURS.length} that ${MISBEHAVIOURS.join(', ')} from the fault on; healthy p99 against a fault-free run`,
    quick: false,
    // Both runs are measured over 20 s: the fault-free one from its 11th second (after the
    // processes' warm-up, BASELINE_WARM_UP_S), the faulty one from the fault on, at its 3rd second
    // (its new project's webhooks looked up by then) rather than in the middle. A p99 over the
    // 10 s that a mid-stream fault leaves is set by the stream's two or three slowest bursts:
    // 10 s windows of fault-free runs ranged 30–44 ms, enough to fail a 20 % rule with no fault.
    load: { rate: 150, seconds: 23, faultAt: 3 },
    baseline: { seconds: 31 },
    endpoints: [...misbehaving, ...Array.from({ length: HEALTHY }, () => healthy)],
    async setUp(_hl, log) {
      bad = await MisbehavingEndpoints.start(MISBEHAVIOURS);
      restorePriority = raiseRunnerPriority(log);
    },
    async inject(_hl, log) {
      bad!.misbehave();
      log(`endpoints misbehave from now on: ${MISBEHAVIOURS.join(', ')}`);
    },
    async tearDown(_hl, log) {
      restorePriority?.();
      restorePriority = undefined;
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
