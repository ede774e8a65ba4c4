import type { HooklineProcesses } from '@hookline/testing';
import { BAD_ENDPOINT_SCENARIOS } from './bad-endpoint-scenarios';
import type { EndpointAnswer } from './chaos-receiver';
import type { ChaosLoad, ChaosStream } from './chaos-runner';
import type { ChaosStack, ChaosStackOptions } from './chaos-stack';
import { INFRA_FAULT_SCENARIOS } from './infra-fault-scenarios';
import { LOAD_FAULT_SCENARIOS } from './load-fault-scenarios';
import { SIGTERM_SCENARIOS } from './sigterm-scenarios';

type ServiceName = 'registry' | 'fanout' | 'dispatcher';

/** A webhook of a scenario whose endpoint does not simply answer 200. */
export interface ChaosEndpoint {
  answer: EndpointAnswer;
  /**
   * False for an endpoint that refuses long enough for deliveries to die and its webhook to be
   * disabled: its deliveries are not owed a receipt (not in `expected`), but each must end in the
   * log (no row left pending) and the webhook must end disabled.
   */
  owed: boolean;
  /**
   * For an endpoint not owed: false when its deliveries may still be in their retries when the
   * ledger is counted and its webhook stays active (an endpoint that misbehaves rather than
   * refuses); neither its log rows nor its state are then checked. Default true.
   */
  endsDisabled?: boolean;
  /** The endpoint is served elsewhere than the chaos receiver (e.g. on an origin of its own). */
  url?: () => string;
}

/** A fault injected mid-stream; `inject` resolves when the fault is over (every service back). */
export interface ChaosScenario {
  name: string;
  description: string;
  /** In the `--quick` subset (and so in `npm test`). */
  quick: boolean;
  /**
   * A fault of Kafka or Postgres itself: the scenario runs on a stack and services of its own
   * (`runOnOwnStack`), and `inject` is given that stack.
   */
  ownStack?: ChaosStackOptions;
  /**
   * `http`: the stream goes through the registry's `POST /v1/events` (each request one event)
   * instead of the producer library, so the registry carries the load the fault interrupts.
   */
  ingest?: 'kafka' | 'http';
  /** Overrides the run's load (e.g. a longer stream). */
  load?: Partial<ChaosLoad>;
  /**
   * Run the same load to the same endpoints first without the fault, for `seconds`, and report
   * both runs' latencies (publish → receipt at the owed endpoints). The fault-free run is measured
   * over all of its stream but its warm-up (BASELINE_WARM_UP_S).
   */
  baseline?: { seconds: number };
  /** How the first webhooks' endpoints answer (the others answer 200). */
  endpoints?: readonly ChaosEndpoint[];
  inject(
    hl: HooklineProcesses,
    log: (line: string) => void,
    stream: ChaosStream,
    stack?: ChaosStack,
  ): Promise<void>;
  /** Before the stream (and its warm-up): e.g. more members of a consumer group. */
  setUp?(hl: HooklineProcesses, log: (line: string) => void): Promise<void>;
  /** After the count, whatever happened: undo `setUp`. */
  tearDown?(hl: HooklineProcesses, log: (line: string) => void): Promise<void>;
}

const DOWN_MS = 5_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function killNine(name: ServiceName, quick: boolean): ChaosScenario {
  return {
    name: `kill-${name}`,
    description: `kill -9 of the ${name}, restarted after ${DOWN_MS / 1000} s`,
    quick,
    async inject(hl, log) {
      await hl.kill(name, 'SIGKILL');
      log(`${name} killed (SIGKILL)`);
      await sleep(DOWN_MS);
      await hl.start(name);
      log(`${name} ready again`);
    },
  };
}

/** Every scenario, in the order they run. */
export const SCENARIOS: readonly ChaosScenario[] = [
  killNine('dispatcher', true),
  killNine('fanout', true),
  killNine('registry', false),
  {
    name: 'rolling-sigterm',
    description: 'SIGTERM of every service in turn, each restarted at once (a rolling restart)',
    quick: true,
    async inject(hl, log) {
      for (const name of ['registry', 'fanout', 'dispatcher'] as const) {
        await hl.restart(name, 'SIGTERM');
        log(`${name} restarted (SIGTERM)`);
      }
    },
  },
  ...SIGTERM_SCENARIOS,
  ...LOAD_FAULT_SCENARIOS,
  ...INFRA_FAULT_SCENARIOS,
  ...BAD_ENDPOINT_SCENARIOS,
];

/** The scenarios `--quick` / `--only=a,b` select; throws on an unknown name. */
export function selectScenarios(options: { quick?: boolean; only?: string[] }): ChaosScenario[] {
  const unknown = options.only?.find((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown)
    throw new Error(
      `unknown scenario "${unknown}"; one of ${SCENARIOS.map((s) => s.name).join(', ')}`,
    );
  return SCENARIOS.filter((s) =>
    options.only ? options.only.includes(s.name) : !options.quick || s.quick,
  );
}
