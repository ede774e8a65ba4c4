import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { Pool } from 'undici';
import { HooklineClient } from '@hookline/sdk';
import { pollUntil, spawnService, startHooklineProcesses } from '@hookline/testing';
import { kafkaVersion } from '../stack/kafka-server';
import { StackError, stackUp } from '../stack/stack';
import { REPO_ROOT } from '../stack/stack-paths';
import { build } from '../build/build';
import { fanoutPace, hopLatency } from './hop-latency';
import { sampleHeld } from './held-rate';
import { INGEST_FANOUT_SIZES, ingestFanoutScenario } from './ingest-fanout-scenario';
import {
  percentile,
  pipelineCpuSeconds,
  PIPELINE,
  processStats,
  processTreeStats,
} from './process-stats';
import { BenchProgress } from './bench-progress';
import { compareReports, readReport } from './bench-compare';
import { scaleOut, scaleOutFigures, scaleOutTable } from './scale-out';
import { LOG_SCALE_SIZES, logScale } from './log-scale';

/**
 * `npm run bench [-- --quick]`: the whole pipeline on the local stack — registry, fanout and
 * dispatcher as processes, endpoints in a separate receiver process, the reference producer as the
 * load — with a ledger per scenario (published = received + missing; any missing or unsigned
 * delivery voids the run). Writes a table and bench/results/<time>.json.
 */
const quick = process.argv.includes('--quick');
/** `--only=latency,ingest`: run just those scenarios (for profiling one of them). */
const SCENARIOS = [
  'idle',
  'throughput',
  'latency',
  'fanout',
  'storm',
  'ingest',
  'ingest-fanout',
  'scale-out',
  'log-scale',
] as const;
const only = process.argv.includes('--scale-out')
  ? ['scale-out']
  : process.argv
      .find((a) => a.startsWith('--only='))
      ?.slice('--only='.length)
      .split(',');
const unknownScenario = only?.find((s) => !(SCENARIOS as readonly string[]).includes(s));
if (unknownScenario) {
  process.stderr.write(`unknown scenario "${unknownScenario}"; one of ${SCENARIOS.join(', ')}\n`);
  process.exit(2);
}
/**
 * Scale-out (its own stacks of 1–3 members, minutes) and log-scale (a log of 10 million attempts
 * generated, minutes) run only when named.
 */
const NAMED_ONLY: readonly string[] = ['scale-out', 'log-scale'];
const selected = (s: (typeof SCENARIOS)[number]) =>
  only ? only.includes(s) : !NAMED_ONLY.includes(s);
/** `--compare <result.json>` (or `--compare=<file>`): print each figure's change against that run. */
const compareWith = (() => {
  const i = process.argv.findIndex((a) => a === '--compare' || a.startsWith('--compare='));
  if (i < 0) return undefined;
  const arg = process.argv[i]!;
  const file = arg.includes('=') ? arg.slice('--compare='.length) : process.argv[i + 1];
  if (!file || !existsSync(file)) {
    process.stderr.write(`--compare needs an earlier result file (bench/results/*.json)\n`);
    process.exit(2);
  }
  return file;
})();
const SIZES = quick
  ? {
      projects: 20,
      hooksPerProject: 10,
      throughputEvents: 2_000,
      latencySeconds: 10,
      latencyWarmUpSeconds: 5,
      fanoutHooks: 1_000,
      stormEndpoints: 50,
      stormSeconds: 8,
      ingestSeconds: 5,
      idleSeconds: 10,
    }
  : {
      projects: 100,
      hooksPerProject: 10,
      throughputEvents: 20_000,
      latencySeconds: 60,
      latencyWarmUpSeconds: 10,
      fanoutHooks: 10_000,
      stormEndpoints: 50,
      stormSeconds: 30,
      ingestSeconds: 10,
      idleSeconds: 20,
    };
const RECEIVER_SERVERS = 4;
const STORM_CIRCUIT_COOLDOWN_MS = 5_000;

interface FarmCounts {
  received: number;
  unique: number;
  unsigned: number;
}

interface FarmStats extends FarmCounts {
  healthyLatencies: number[];
  failingLatencies: number[];
}

/**
 * Waits at least `atLeastMs`, then until the endpoints have received nothing for 2 s (at most a
 * minute); answers how long after the call the last receipt came.
 */
async function receiptsStop(farm: ReceiverFarm, atLeastMs: number): Promise<number> {
  const start = Date.now();
  let last = (await farm.counts()).received;
  let lastAt = start;
  while (Date.now() - start < atLeastMs || Date.now() - lastAt < 2000) {
    if (Date.now() - start > 60_000) break;
    await new Promise((r) => setTimeout(r, 200));
    const now = (await farm.counts()).received;
    if (now !== last) [last, lastAt] = [now, Date.now()];
  }
  return lastAt - start;
}

class ReceiverFarm {
  private constructor(
    private readonly child: ChildProcess,
    readonly ports: number[],
  ) {}

  static async start(): Promise<ReceiverFarm> {
    const child = fork(join(__dirname, 'receiver-farm.ts'), [String(RECEIVER_SERVERS)], {
      execArgv: ['-r', join(REPO_ROOT, 'tools', 'register.js')],
      stdio: 'inherit',
    });
    const ports = await new Promise<number[]>((resolve) =>
      child.once('message', (m: { ports: number[] }) => resolve(m.ports)),
    );
    return new ReceiverFarm(child, ports);
  }

  get pid(): number {
    return this.child.pid!;
  }

  url(index: number): string {
    return `http://127.0.0.1:${this.ports[index % this.ports.length]}/w/${index}`;
  }

  private ask<T>(msg: object, type: string): Promise<T> {
    return new Promise((resolve) => {
      const on = (m: { type: string } & T) => {
        if (m.type !== type) return;
        this.child.off('message', on);
        resolve(m);
      };
      this.child.on('message', on);
      this.child.send(msg);
    });
  }

  stats = async () => (await this.ask<{ stats: FarmStats }>({ type: 'stats' }, 'stats')).stats;
  /** `stats()` without the latencies: what a poll needs. */
  counts = async () =>
    (await this.ask<{ counts: FarmCounts }>({ type: 'counts' }, 'counts')).counts;
  reset = () => this.ask({ type: 'reset' }, 'reset');
  setFailing = (failing: number[]) => this.ask({ type: 'failing', failing }, 'failing');

  stop() {
    this.child.kill();
  }
}

interface ScenarioResult {
  scenario: string;
  name: string;
  figures: Record<string, number | string>;
  ledger?: { published: number; received: number; missing: number; unsigned: number };
  services: Record<string, { cpuSeconds: number; peakRssMb: number }>;
}

const results: ScenarioResult[] = [];
let voided = false;
/**
 * Stops the services and the receivers the run started. Also called when the run fails: they are
 * processes of their own and would otherwise keep running, and taking CPU, after the bench exits.
 */
let stopProcesses: (() => Promise<void>) | undefined;

function sortedLatencies(values: number[]) {
  return [...values].sort((a, b) => a - b);
}

function latencyFigures(values: number[], prefix = '') {
  const s = sortedLatencies(values);
  const ms = (v: number | undefined) => (v === undefined ? NaN : Math.round(v * 10) / 10);
  return {
    [`${prefix}p50_ms`]: ms(percentile(s, 50)),
    [`${prefix}p90_ms`]: ms(percentile(s, 90)),
    [`${prefix}p99_ms`]: ms(percentile(s, 99)),
    [`${prefix}max_ms`]: ms(s[s.length - 1]),
  };
}

async function main() {
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const { state } = await stackUp('dev', (l) => say(`[stack] ${l}`));
  process.env.HOOKLINE_TEST_DATABASE_URL = state.testDatabaseUrl;
  process.env.HOOKLINE_TEST_KAFKA_BROKERS = state.kafkaBrokers;
  const postgresPid = 'pid' in state.postgres ? state.postgres.pid : undefined;
  const logScaleSizes = quick ? LOG_SCALE_SIZES.quick : LOG_SCALE_SIZES.full;
  const logScaleName = `log scale: the log's writer and the console's queries, empty and with ${logScaleSizes.attempts.toLocaleString('en')} attempts`;

  // The log-scale scenario needs Postgres alone: without the others, no build and no services.
  if (only?.every((s) => s === 'log-scale')) {
    say(`\n[bench] ${logScaleName}…`);
    const before = postgresPid === undefined ? undefined : processTreeStats(postgresPid);
    const figures = await logScale(state.databaseUrl, logScaleSizes, say);
    const after = postgresPid === undefined ? undefined : processTreeStats(postgresPid);
    const result: ScenarioResult = {
      scenario: 'log-scale',
      name: logScaleName,
      figures,
      services:
        before && after
          ? {
              postgres: {
                cpuSeconds: +(after.cpuSeconds - before.cpuSeconds).toFixed(1),
                peakRssMb: +after.peakRssMb.toFixed(0),
              },
            }
          : {},
    };
    results.push(result);
    printScenario(result);
    return writeReport(say);
  }

  // The services run as production runs them: compiled, not through the on-the-fly compiler.
  const compiled = await build();
  say(`[bench] ${compiled.files} files compiled to dist/ in ${compiled.ms} ms`);
  process.env.HOOKLINE_RUN_BUILD = '1';
  const farm = await ReceiverFarm.start();
  say(`[bench] receivers on ports ${farm.ports.join(', ')}`);
  const hl = await startHooklineProcesses({
    retrySchedule: '1s,2s,4s',
    deliveryTimeout: '5s',
    disableAfter: 0,
    logPrefix: 'bench',
    partitions: 6,
    logLevel: 'warn',
    // The bench measures capacity: rate limits out of reach, still checked on every request (their
    // cost is part of what is measured); the fan-out scenario gives one project 10,000 webhooks.
    extraEnv: {
      ...Object.fromEntries(
        ['API', 'INGEST'].flatMap((b) => [
          [`HOOKLINE_${b}_RATE_LIMIT`, '1000000000'],
          [`HOOKLINE_${b}_RATE_BURST`, '1000000000'],
        ]),
      ),
      HOOKLINE_MAX_WEBHOOKS_PER_PROJECT: '0',
      // The circuit breaker as the product ships it (threshold 10), with a short cool-down so that
      // the storm's circuits close between its runs.
      HOOKLINE_CIRCUIT_FAILURES: '10',
      HOOKLINE_CIRCUIT_COOLDOWN: `${STORM_CIRCUIT_COOLDOWN_MS}ms`,
    },
  });
  stopProcesses = async () => {
    stopProcesses = undefined;
    farm.stop();
    await hl.stop();
  };
  const pids = () => ({
    registry: hl.services.registry.pid!,
    fanout: hl.services.fanout.pid!,
    dispatcher: hl.services.dispatcher.pid!,
    receivers: farm.pid,
  });
  // The stack's own servers share the two cores with the services: their CPU is part of the cost.
  const stackPids = {
    kafka: 'pid' in state.kafka ? state.kafka.pid : undefined,
    postgres: 'pid' in state.postgres ? state.postgres.pid : undefined,
  };
  const cpuNow = () => ({
    ...Object.fromEntries(
      Object.entries(pids()).map(([k, pid]) => [
        k,
        processStats(pid) ?? { cpuSeconds: 0, peakRssMb: 0 },
      ]),
    ),
    ...Object.fromEntries(
      Object.entries(stackPids).flatMap(([k, pid]) =>
        pid === undefined ? [] : [[k, processTreeStats(pid) ?? { cpuSeconds: 0, peakRssMb: 0 }]],
      ),
    ),
  });
  const admin = new HooklineClient({ baseUrl: hl.apiUrl, adminToken: hl.adminToken });
  const progress = new BenchProgress(async () => (await farm.counts()).received, say);

  const runScenario = async (
    scenario: (typeof SCENARIOS)[number],
    name: string,
    /**
     * The scenario; it may call `measureFromHere` once its setup is done, so that the CPU figures
     * count what it measures and not the setup (creating 10,000 webhooks costs more than
     * delivering to them).
     */
    fn: (
      measureFromHere: () => void,
    ) => Promise<Omit<ScenarioResult, 'scenario' | 'name' | 'services'>>,
  ) => {
    if (!selected(scenario)) return;
    say(`\n[bench] ${name}…`);
    let before = cpuNow();
    progress.start(scenario);
    const out = await fn(() => (before = cpuNow())).finally(() => progress.stop());
    const after = cpuNow();
    const services = Object.fromEntries(
      Object.keys(after).map((k) => [
        k,
        {
          cpuSeconds: +(after[k]!.cpuSeconds - before[k]!.cpuSeconds).toFixed(1),
          peakRssMb: +after[k]!.peakRssMb.toFixed(0),
        },
      ]),
    );
    // The figure the machine's noise affects least: CPU of every process of the pipeline (services,
    // Kafka, Postgres; not the receivers or the load) per delivery received.
    if (out.ledger?.received) {
      const pipeline = pipelineCpuSeconds(before, after);
      out.figures.pipeline_cpu_ms_per_delivery = +((pipeline * 1000) / out.ledger.received).toFixed(
        3,
      );
    }
    const result = { scenario, name, ...out, services };
    if (out.ledger && (out.ledger.missing > 0 || out.ledger.unsigned > 0)) {
      voided = true;
      say(
        `[bench] VOID: ${name}: ${out.ledger.missing} missing, ${out.ledger.unsigned} unsigned deliveries`,
      );
    }
    results.push(result);
    printScenario(result);
  };

  /** Runs the reference producer; resolves when it has published `count` events. */
  const produce = (rate: number | 'max', count: number, projectIds: string[]) =>
    new Promise<void>((resolve, reject) => {
      const args = [
        '--rate',
        String(rate),
        '--count',
        String(count),
        '--projects',
        projectIds.join(','),
      ];
      const child = spawnService('producer', { ...hl.env }, { args, logName: 'bench-producer' });
      child.on('exit', (code) =>
        code === 0
          ? resolve()
          : reject(new Error(`producer exited with ${code}; see .data/logs/bench-producer.log`)),
      );
    });

  /** Creates projects with webhooks pointing at the farm, then waits until each delivers. */
  const setupProjects = async (projects: number, hooksPerProject: number, firstIndex: number) => {
    const ids: string[] = [];
    const keys: string[] = [];
    let index = firstIndex;
    for (let p = 0; p < projects; p++) {
      const project = await admin.projects.create(`bench-${firstIndex}-${p}`);
      const client = new HooklineClient({ baseUrl: hl.apiUrl, apiKey: project.api_key });
      const creates = [];
      for (let h = 0; h < hooksPerProject; h++)
        creates.push(client.webhooks.create(farm.url(index++), ['*']));
      await Promise.all(creates);
      ids.push(project.id);
      keys.push(project.api_key);
    }
    // Warm-up and readiness in one: one event per project must reach every webhook.
    await farm.reset();
    await produce('max', projects, ids);
    await pollUntil(async () => (await farm.counts()).unique >= projects * hooksPerProject, {
      timeoutMs: 120_000,
      intervalMs: 250,
      message: 'warm-up deliveries',
    }).catch(async () => {
      // Events were spread over the projects at random: some may have got none; top up each.
      for (const id of ids) await produce('max', 1, [id]);
    });
    return { ids, keys, lastIndex: index };
  };

  const attemptsLogged = async () => {
    const db = new Client({ connectionString: hl.db.url });
    await db.connect();
    try {
      const { rows } = await db.query('select count(*)::int as n from delivery_attempts');
      return rows[0].n as number;
    } finally {
      await db.end();
    }
  };

  // What the pipeline costs when nothing flows: polling, heartbeats, timers. At a light load this
  // fixed cost is most of the CPU per delivery.
  await runScenario('idle', `idle: ${SIZES.idleSeconds} s with nothing published`, async () => {
    const before = cpuNow();
    await new Promise((r) => setTimeout(r, SIZES.idleSeconds * 1000));
    const after = cpuNow();
    return {
      figures: Object.fromEntries(
        Object.keys(after)
          .filter((k) => (PIPELINE as readonly string[]).includes(k))
          .map((k) => [
            `${k}_cpu_ms_per_s`,
            Math.round(((after[k]!.cpuSeconds - before[k]!.cpuSeconds) * 1000) / SIZES.idleSeconds),
          ]),
      ),
    };
  });

  const mainProjects = selected('throughput')
    ? await setupProjects(SIZES.projects, SIZES.hooksPerProject, 0)
    : { ids: [], lastIndex: 0 };

  await runScenario(
    'throughput',
    `throughput: ${SIZES.projects} projects, ${SIZES.projects * SIZES.hooksPerProject} webhooks, ${SIZES.throughputEvents * SIZES.hooksPerProject} deliveries`,
    async () => {
      await farm.reset();
      const expected = SIZES.throughputEvents * SIZES.hooksPerProject;
      const logged0 = await attemptsLogged();
      const t0 = Date.now();
      await produce('max', SIZES.throughputEvents, mainProjects.ids);
      const publishSeconds = (Date.now() - t0) / 1000;
      await pollUntil(async () => (await farm.counts()).unique >= expected, {
        timeoutMs: 600_000,
        intervalMs: 250,
        message: 'all deliveries',
      }).catch(() => undefined);
      const seconds = (Date.now() - t0) / 1000;
      const stats = await farm.stats();
      const logged = await pollUntil(
        async () => {
          const n = (await attemptsLogged()) - logged0;
          return n >= stats.received ? n : undefined;
        },
        { timeoutMs: 30_000 },
      ).catch(async () => (await attemptsLogged()) - logged0);
      return {
        figures: {
          deliveries_per_s: Math.round(stats.unique / seconds),
          events_per_s_published: Math.round(SIZES.throughputEvents / publishSeconds),
          seconds: +seconds.toFixed(1),
          attempts_logged: logged,
          ...latencyFigures(stats.healthyLatencies),
          ...(await fanoutPace(hl.topics.kafka, hl.topics.topics, t0)),
        },
        ledger: {
          published: expected,
          received: stats.unique,
          missing: expected - Math.min(expected, stats.unique),
          unsigned: stats.unsigned,
        },
      };
    },
  );

  const latencyProjects = selected('latency')
    ? await setupProjects(10, 1, 100_000)
    : { ids: [], lastIndex: 0 };
  // A steady rate's latency, not a start's: the first seconds after the services start (code not
  // yet optimized, connections not yet open) or after a heavy scenario (its leftover log writes,
  // collections and vacuum) ran at p50 100–150 ms, and alone set the p99 of a whole run. The same
  // rate goes first, outside the scenario's figures and CPU; its own figures are kept (warmup_*).
  /** Publishes `count` events at 200/s to the latency webhooks; answers the receipts' stats. */
  const streamAt200 = async (count: number) => {
    await farm.reset();
    await produce(200, count, latencyProjects.ids);
    await pollUntil(async () => (await farm.counts()).unique >= count, {
      timeoutMs: 60_000,
      intervalMs: 250,
    }).catch(() => undefined);
    return farm.stats();
  };
  let latencyWarmUp: Record<string, number> = {};
  if (selected('latency')) {
    say(`\n[bench] latency: warming up at 200 events/s for ${SIZES.latencyWarmUpSeconds} s…`);
    const warm = await streamAt200(200 * SIZES.latencyWarmUpSeconds);
    latencyWarmUp = latencyFigures(warm.healthyLatencies, 'warmup_');
  }
  await runScenario(
    'latency',
    `latency: 200 events/s for ${SIZES.latencySeconds} s, one webhook each`,
    async () => {
      const count = 200 * SIZES.latencySeconds;
      const since = Date.now();
      const stats = await streamAt200(count);
      return {
        figures: {
          ...latencyFigures(stats.healthyLatencies),
          ...(await hopLatency(hl.topics.kafka, hl.topics.topics, hl.db.url, since)),
          ...latencyWarmUp,
        },
        ledger: {
          published: count,
          received: stats.unique,
          missing: count - Math.min(count, stats.unique),
          unsigned: stats.unsigned,
        },
      };
    },
  );

  await runScenario(
    'fanout',
    `fan-out: one event to ${SIZES.fanoutHooks} webhooks`,
    async (measureFromHere) => {
      const project = await admin.projects.create('bench-fanout');
      const client = new HooklineClient({ baseUrl: hl.apiUrl, apiKey: project.api_key });
      for (let i = 0; i < SIZES.fanoutHooks; i += 50) {
        await Promise.all(
          Array.from({ length: Math.min(50, SIZES.fanoutHooks - i) }, (_, j) =>
            client.webhooks.create(farm.url(200_000 + i + j), ['project.*']),
          ),
        );
      }
      // The fan-out index follows the changelog; give it the time to take the new webhooks in.
      await new Promise((r) => setTimeout(r, 5000));
      await farm.reset();
      measureFromHere();
      const t0 = Date.now();
      await client.events.publish('project.updated', {
        project_id: project.id,
        name: 'Fan-out',
        tier: 'pro',
        region: 'eu-west-1',
      });
      await pollUntil(async () => (await farm.counts()).unique >= SIZES.fanoutHooks, {
        timeoutMs: 120_000,
        intervalMs: 50,
      }).catch(() => undefined);
      const stats = await farm.stats();
      return {
        figures: {
          seconds_to_last_receipt: +((Date.now() - t0) / 1000).toFixed(2),
          ...latencyFigures(stats.healthyLatencies),
          // Events per second mean nothing for one event.
          ...Object.fromEntries(
            Object.entries(await fanoutPace(hl.topics.kafka, hl.topics.topics, t0)).filter(
              ([k]) => k !== 'fanout_events_per_s',
            ),
          ),
        },
        ledger: {
          published: SIZES.fanoutHooks,
          received: stats.unique,
          missing: SIZES.fanoutHooks - Math.min(SIZES.fanoutHooks, stats.unique),
          unsigned: stats.unsigned,
        },
      };
    },
  );

  // At 200 deliveries/s, as in the latency scenario (well inside capacity: how far failing
  // endpoints' retries reach into healthy ones), and at 2,000 (near capacity: whether they take
  // the healthy ones' share of it). The breaker is on, as the product ships it (see extraEnv).
  const FIRST_STORM_ENDPOINT = 300_000;
  const stormProjects = selected('storm')
    ? await setupProjects(SIZES.stormEndpoints, 1, FIRST_STORM_ENDPOINT)
    : { ids: [], lastIndex: 0 };
  // Project p has one webhook, on endpoint FIRST_STORM_ENDPOINT + p; every fifth fails.
  const failsInStorm = (p: number) => p % 5 === 0;
  const failingStormEndpoints = Array.from({ length: SIZES.stormEndpoints }, (_, p) => p)
    .filter(failsInStorm)
    .map((p) => FIRST_STORM_ENDPOINT + p);
  const healthyStormProjects = new Set(stormProjects.ids.filter((_, p) => !failsInStorm(p)));
  await runScenario(
    'storm',
    `retry storm: 20 % of ${SIZES.stormEndpoints} endpoints answer 500, ${SIZES.stormSeconds} s at 200 and at 2,000 events/s, one webhook each`,
    async () => {
      const figures: Record<string, number> = {};
      for (const rate of [200, 2000]) {
        const count = rate * SIZES.stormSeconds;
        const at = rate === 200 ? '' : `_at_${rate}`;
        // Where the healthy deliveries' time went in each run (see hopLatency), to tell which
        // stage a storm's tail comes from.
        const run = async (phase: 'normal' | 'storm') => {
          await farm.reset();
          const since = Date.now();
          // Only the storm holds tasks (a fault-free run's webhooks are under no throttle).
          const held = phase === 'storm' ? sampleHeld(hl.opsUrls.dispatcher) : undefined;
          await produce(rate, count, stormProjects.ids);
          await new Promise((r) => setTimeout(r, 2000));
          if (held) {
            const { peak, mean } = await held.stop();
            Object.assign(figures, {
              [`held_peak_per_s${at}`]: peak,
              [`held_mean_per_s${at}`]: mean,
            });
          }
          const stats = await farm.stats();
          const hops = await hopLatency(
            hl.topics.kafka,
            hl.topics.topics,
            hl.db.url,
            since,
            healthyStormProjects,
          );
          Object.assign(
            figures,
            Object.fromEntries(
              Object.entries(hops).map(([k, v]) => [k.replace(/_ms$/, `_${phase}${at}_ms`), v]),
            ),
          );
          return stats;
        };
        const normal = await run('normal');
        await farm.setFailing(failingStormEndpoints);
        const storm = await run('storm');
        await farm.setFailing([]);
        // What the storm held comes back once its endpoints answer again (within a cool-down of
        // each circuit's probe), and must land in no later run's figures: with a fixed wait, the
        // next fault-free run received deliveries 20–40 s old.
        const recoveredInMs = await receiptsStop(farm, STORM_CIRCUIT_COOLDOWN_MS + 1000);
        const normalP99 = percentile(sortedLatencies(normal.healthyLatencies), 99);
        const stormP99 = percentile(sortedLatencies(storm.healthyLatencies), 99);
        // Events go to projects at random, so the healthy share is not exact: this scenario reports
        // latency only; the throughput and latency scenarios keep the ledger.
        Object.assign(figures, {
          [`healthy_p50_normal${at}_ms`]: percentile(sortedLatencies(normal.healthyLatencies), 50),
          [`healthy_p50_storm${at}_ms`]: percentile(sortedLatencies(storm.healthyLatencies), 50),
          [`healthy_p99_normal${at}_ms`]: normalP99,
          [`healthy_p99_storm${at}_ms`]: stormP99,
          [`p99_change_percent${at}`]: Math.round(((stormP99 - normalP99) / normalP99) * 100),
          [`healthy_deliveries${at}`]: storm.healthyLatencies.length,
          [`failing_attempts_seen${at}`]: storm.failingLatencies.length,
          [`unsigned${at}`]: storm.unsigned,
          [`backlog_drained${at}_s`]: Math.round(recoveredInMs / 100) / 10,
        });
      }
      return { figures };
    },
  );

  await runScenario(
    'ingest',
    `ingest: POST /v1/events, 32 concurrent, ${SIZES.ingestSeconds} s`,
    async () => {
      const project = await admin.projects.create('bench-ingest');
      const pool = new Pool(hl.apiUrl, { connections: 32, pipelining: 1 });
      const body = JSON.stringify({
        event: 'project.updated',
        data: { project_id: project.id, name: 'Ingest', tier: 'pro', region: 'eu-west-1' },
      });
      const latencies: number[] = [];
      let errors = 0;
      const deadline = Date.now() + SIZES.ingestSeconds * 1000;
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          while (Date.now() < deadline) {
            const t = performance.now();
            const res = await pool.request({
              path: '/v1/events',
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                authorization: `Bearer ${project.api_key}`,
              },
              body,
            });
            await res.body.dump();
            if (res.statusCode !== 202) errors++;
            latencies.push(performance.now() - t);
          }
        }),
      );
      await pool.close();
      return {
        figures: {
          requests_per_s: Math.round(latencies.length / SIZES.ingestSeconds),
          errors,
          ...latencyFigures(latencies),
        },
      };
    },
  );

  const fanoutSizes = INGEST_FANOUT_SIZES[quick ? 'quick' : 'full'];
  await runScenario(
    'ingest-fanout',
    `ingest fan-out: ${fanoutSizes.projects} projects × ${fanoutSizes.hooksPerProject} webhooks, ${fanoutSizes.events} events over POST /v1/events at 32 connections`,
    (measureFromHere) =>
      ingestFanoutScenario({
        apiUrl: hl.apiUrl,
        sizes: fanoutSizes,
        setup: (projects, hooks) => setupProjects(projects, hooks, 400_000),
        farm,
        attemptsLogged,
        cpuNow,
        measureFromHere,
      }),
  );

  await runScenario('scale-out', 'scale-out: 1, 2 and 3 fan-outs and dispatchers', async () => {
    const rows = await scaleOut(farm, say);
    say(scaleOutTable(rows));
    return { figures: scaleOutFigures(rows) };
  });

  await runScenario('log-scale', logScaleName, async () => ({
    figures: await logScale(state.databaseUrl, logScaleSizes, say),
  }));

  await stopProcesses?.();
  return writeReport(say);
}

/** Writes bench/results/<time>.json and prints the comparison asked for; answers the exit code. */
function writeReport(say: (line: string) => void): number {
  const report = {
    date: new Date().toISOString(),
    quick,
    void: voided,
    machine: {
      cores: cpus().length,
      cpu: cpus()[0]?.model,
      memoryGb: +(totalmem() / 2 ** 30).toFixed(1),
      node: process.version,
      kafka: kafkaVersion(),
    },
    scenarios: results,
  };
  const dir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${report.date.replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`);
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  say(`\n[bench] ${voided ? 'VOID (see above)' : 'ledger balanced'}; results in ${file}`);
  if (compareWith) for (const line of compareReports(readReport(compareWith), report)) say(line);
  return voided ? 1 : 0;
}

function printScenario(r: ScenarioResult) {
  const lines = [`  ${r.name}`];
  for (const [k, v] of Object.entries(r.figures)) lines.push(`    ${k.padEnd(28)} ${v}`);
  if (r.ledger)
    lines.push(
      `    ledger: published ${r.ledger.published} = received ${r.ledger.received} + missing ${r.ledger.missing}; unsigned ${r.ledger.unsigned}`,
    );
  lines.push(`    ${'service'.padEnd(12)} ${'cpu s'.padStart(8)} ${'peak RSS MB'.padStart(12)}`);
  for (const [name, s] of Object.entries(r.services))
    lines.push(
      `    ${name.padEnd(12)} ${String(s.cpuSeconds).padStart(8)} ${String(s.peakRssMb).padStart(12)}`,
    );
  process.stdout.write(lines.join('\n') + '\n');
}

main().then(
  (code) => process.exit(code),
  async (e) => {
    process.stderr.write(
      e instanceof StackError ? `${e.message}\n` : `bench: ${(e as Error).stack}\n`,
    );
    await stopProcesses?.().catch(() => undefined);
    process.exit(1);
  },
);
