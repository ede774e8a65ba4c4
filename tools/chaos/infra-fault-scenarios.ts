import type { ChaosScenario } from './chaos-scenarios';
import type { ChaosStack } from './chaos-stack';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const KAFKA_DOWN_MS = 20_000;
const POSTGRES_DOWN_MS = 20_000;
const NETWORK_CUT_MS = 15_000;

/**
 * The stop-postgres scenario's third endpoint answers 200 until the stop (so the warm-up reaches
 * it), then 500 to everything: its deliveries die during the outage and the webhook is disabled.
 */
const refusing = { on: false };

function ownStack(stack: ChaosStack | undefined): ChaosStack {
  if (!stack) throw new Error('this scenario runs on a stack of its own (runOnOwnStack)');
  return stack;
}

/**
 * Faults of the infrastructure rather than of a service: the broker killed, Postgres stopped, the
 * network to the broker cut. Each runs on a Postgres and Kafka of its own (`ownStack`).
 */
export const INFRA_FAULT_SCENARIOS: readonly ChaosScenario[] = [
  {
    name: 'kill-kafka',
    description: `Kafka killed (SIGKILL) for ${KAFKA_DOWN_MS / 1000} s, then restarted with its data`,
    quick: false,
    ownStack: {},
    async inject(_hl, log, _stream, stack) {
      const own = ownStack(stack);
      await own.killKafka();
      log('kafka killed (SIGKILL)');
      await sleep(KAFKA_DOWN_MS);
      await own.restartKafka();
      log('kafka restarted with its data');
    },
  },
  {
    name: 'stop-postgres',
    description: `Postgres stopped for ${POSTGRES_DOWN_MS / 1000} s, then restarted; one endpoint accepts, one refuses each delivery twice (retries), one refuses everything from the stop on (deaths, DLQ, disable)`,
    quick: false,
    ownStack: {},
    endpoints: [
      { answer: () => 200, owed: true },
      { answer: (earlier) => (earlier < 2 ? 500 : 200), owed: true },
      { answer: () => (refusing.on ? 500 : 200), owed: false },
    ],
    async inject(_hl, log, _stream, stack) {
      const own = ownStack(stack);
      refusing.on = true;
      await own.stopPostgres();
      log('postgres stopped; the third endpoint refuses everything from now on');
      await sleep(POSTGRES_DOWN_MS);
      await own.startPostgres();
      log('postgres started again');
    },
  },
  {
    name: 'cut-kafka-network',
    description: `the network between the services and Kafka cut for ${NETWORK_CUT_MS / 1000} s (a TCP proxy drops and refuses every connection)`,
    quick: false,
    ownStack: { proxy: true },
    async inject(_hl, log, _stream, stack) {
      const own = ownStack(stack);
      await own.cutNetwork();
      log('network to kafka cut');
      await sleep(NETWORK_CUT_MS);
      await own.restoreNetwork();
      log('network to kafka restored');
    },
  },
];
