import { createDataSource, DeliveryLogRepository } from '@hookline/persistence';
import { createEventPublisher, type EventPublisher } from '@hookline/producer';
import { HooklineApiError, HooklineClient } from '@hookline/sdk';
import { pollUntil, type HooklineProcesses, type StartOptions } from '@hookline/testing';
import type { DataSource } from 'typeorm';
import { ChaosReceiver, type Receipt } from './chaos-receiver';
import type { ChaosLedger } from './chaos-ledger';
import type { ChaosScenario } from './chaos-scenarios';

export interface ChaosLoad {
  /** Events per second, each sent at its own time (see TICK_MS). */
  rate: number;
  /** How long the stream lasts. */
  seconds: number;
  /** When the fault starts, in seconds into the stream; its middle unless said. */
  faultAt?: number;
  /** Webhooks (each its own endpoint) every event goes to. */
  webhooks: number;
  /** Bound on waiting for the last delivery after the stream ends. */
  settleMs: number;
}

export const DEFAULT_LOAD: ChaosLoad = { rate: 200, seconds: 12, webhooks: 2, settleMs: 40_000 };

/**
 * The settle of the suites inside `npm test`: it outlasts a circuit's 30 s cool-down. On a starved
 * box the endpoints (in the test's own process) may not answer for a second, and the dispatcher
 * then opens their circuits and holds their tasks for the cool-down; those suites measure what the
 * fault does to the pipeline, not that.
 */
export const SETTLE_PAST_COOLDOWN_MS = 45_000;

/**
 * How the chaos run starts the services: a short session so a killed member's partitions move
 * within seconds. Retries and deadlines are generous and nothing is disabled: on a starved box an
 * endpoint in this process may take seconds to answer, and the ledger measures the pipeline, not
 * the endpoint policy (one timed-out chain would otherwise disable a webhook, and every later event
 * would count as missing).
 */
/**
 * The one type the scenarios publish, and all their webhooks subscribe to: a `*` subscriber also
 * gets the platform's own events (webhook.disabled, delivery.dead when a scenario makes deliveries
 * die), which the ledger did not publish.
 */
const CHAOS_EVENT_TYPE = 'project.updated';

export const CHAOS_PROCESS_OPTIONS: StartOptions = {
  logPrefix: 'chaos',
  logLevel: 'warn',
  partitions: 6,
  // The default schedule's first tiers compressed, and a last one as long as the circuit's 30 s
  // cool-down, as the default's 1 min tier is longer than it: a task its open circuit held waits
  // there once, until the probe (decideHold), where with 8 s at most it was moved again every 8 s.
  retrySchedule: '1s,2s,4s,8s,30s',
  deliveryTimeout: '10s',
  disableAfter: 0,
  // The circuit breaker as the product ships it (10 failures in a row, 30 s cool-down): what keeps
  // an endpoint that fails every request from taking the healthy ones' share of the dispatcher
  // (bad-endpoints). The scenarios on a stack of their own turn it off (see runOnOwnStack).
  extraEnv: { HOOKLINE_KAFKA_SESSION_TIMEOUT: '6s', HOOKLINE_CIRCUIT_FAILURES: '10' },
};

/** A webhook of the scenario's project; events published before `since` (its create answered) are not owed to it. */
interface ChaosWebhook {
  id: string;
  endpoint: string;
  since: number;
  /** Every delivery is owed a receipt (see ChaosEndpoint.owed). */
  owed: boolean;
  /** Its deliveries end (in the log) and it ends disabled (see ChaosEndpoint.endsDisabled). */
  checked: boolean;
}

/** What a fault may do to the stream it interrupts. */
export interface ChaosStream {
  /** Creates one more webhook (to every event) through the API at `apiUrl`; every event published after it answered is owed to it. */
  addWebhook(apiUrl: string): Promise<void>;
  /**
   * The API accepted no connection from `from` to `to` (its listener closed, the next one not yet
   * open): an ingest request sent meanwhile must fail to connect, never be accepted.
   */
  apiDown(from: number, to: number): void;
}

/**
 * The stream's pace: every few milliseconds, the events due by then, so at a few hundred a second
 * each goes out at its own time. In bursts (eight every 50 ms, as it was), one stall anywhere in
 * the pipeline delayed a whole burst's receipts together, so a 20 s window's slowest 1 % was four
 * or five bursts, and the latencies measured included each burst's own queueing (p50 22–23 ms
 * against 13–15 evenly paced).
 */
const TICK_MS = 5;
/** Where a fault's onset ends, for the steady p99 (ChaosLedger.steadyP99Ms). */
const STEADY_AFTER_MS = 1000;
/**
 * The start of a fault-free run that its latencies leave out. A new project's first events wait
 * for its webhooks to be looked up and connections to be opened (p99 120–130 ms in its first 2 s);
 * and fresh processes kept getting faster for about ten seconds more (p50 22–24 ms at first,
 * 18–19 ms after; they are now warmed first, WARM_UP_DELIVERIES). Measured from its 3rd second,
 * its p99 was 9–26 % above a second fault-free run's after it (a null fault, nine pairs), slack
 * that the comparison granted the fault; measured from its 11th, 4–11 % (three pairs).
 */
const BASELINE_WARM_UP_S = 11;
/**
 * Deliveries streamed before a fault-free run is measured. A fresh dispatcher's delivery path
 * reaches V8's optimizing tiers all at once, ~120 functions after ~16,500 deliveries (~590 ms of
 * compiling, the pipeline slowed for a few hundred ms; docs/chaos.md). Measured in the fault-free
 * run, that warm-up raised its p99 (45–64 ms, against 30–32 ms for a second fault-free run of the
 * same processes) and so the tolerance granted to the fault. A scenario run alone starts on fresh
 * processes, and in a full run earlier scenarios kill, stop and add dispatchers, so the runner
 * warms them every time rather than guess how far each one is.
 */
const WARM_UP_DELIVERIES = 25_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs scenarios one after another on one set of Hookline processes: each gets its own project
 * and webhooks, a steady stream of events through the producer library, its fault in the middle
 * of the stream, then waits for quiescence and counts.
 */
export class ChaosRunner {
  private constructor(
    private readonly hl: HooklineProcesses,
    private readonly receiver: ChaosReceiver,
    private readonly publisher: EventPublisher,
    private readonly dataSource: DataSource,
    private readonly log: (line: string) => void,
  ) {}

  static async start(hl: HooklineProcesses, log: (line: string) => void): Promise<ChaosRunner> {
    const receiver = await ChaosReceiver.start();
    const publisher = createEventPublisher({
      brokers: hl.topics.brokers,
      clientId: 'hookline-chaos',
      topicPrefix: hl.topics.prefix,
    });
    const dataSource = createDataSource({
      url: hl.db.url,
      poolSize: 2,
      applicationName: 'hookline-chaos',
    });
    await dataSource.initialize();
    return new ChaosRunner(hl, receiver, publisher, dataSource, log);
  }

  async run(scenario: ChaosScenario, given: ChaosLoad = DEFAULT_LOAD): Promise<ChaosLedger> {
    const say = (line: string) => this.log(`[${scenario.name}] ${line}`);
    const load = { ...given, ...scenario.load };
    await scenario.setUp?.(this.hl, say);
    const resumeAutovacuum = scenario.baseline ? await this.pauseAutovacuum() : undefined;
    try {
      const baseline = scenario.baseline
        ? await this.baseline(scenario, { ...load, ...scenario.baseline })
        : undefined;
      // Statistics as fresh as autovacuum keeps them (see pauseAutovacuum), before the window.
      if (baseline) await this.dataSource.query('analyze');
      const ledger = await this.stream(scenario, load, say);
      if (baseline)
        say(
          `healthy publish→receipt p50/p99: fault-free ${baseline.p50Ms}/${baseline.p99Ms} ms, with the fault ${ledger.p50Ms}/${ledger.p99Ms} ms; p99 from ${STEADY_AFTER_MS / 1000} s into the fault on: fault-free ${baseline.steadyP99Ms} ms, with the fault ${ledger.steadyP99Ms} ms`,
        );
      return baseline
        ? {
            ...ledger,
            baselineP50Ms: baseline.p50Ms,
            baselineP99Ms: baseline.p99Ms,
            baselineSteadyP99Ms: baseline.steadyP99Ms,
          }
        : ledger;
    } finally {
      await resumeAutovacuum?.();
      await scenario.tearDown?.(this.hl, say);
    }
  }

  /**
   * Autovacuum off for every table of the run's database until the answer is called, for a
   * scenario compared with its fault-free run: the runner analyzes the tables itself before each
   * of the two windows instead, outside them. The launcher visits a database once a minute, at a
   * time its age sets, and analyzed the delivery log's day (0.3–0.6 s of CPU, on the two cores
   * the pipeline runs on) 14–17.5 s into the fault window of all seventeen runs of
   * `bad-endpoints` alone that logged it, and in none of their fault-free windows: the rule
   * weighed the fault and a maintenance pass against neither (docs/chaos.md).
   */
  private async pauseAutovacuum(): Promise<() => Promise<void>> {
    const tables = (
      (await this.dataSource.query(
        `select oid::regclass::text as name from pg_class
         where relnamespace = current_schema()::regnamespace and relkind = 'r'`,
      )) as { name: string }[]
    ).map((t) => t.name);
    for (const t of tables)
      await this.dataSource.query(`alter table ${t} set (autovacuum_enabled = off)`);
    return async () => {
      for (const t of tables)
        await this.dataSource.query(`alter table ${t} reset (autovacuum_enabled)`);
    };
  }

  /**
   * The scenario's stream without its fault: the same load to the same endpoints (the ones that
   * will misbehave answer 200 until the fault is injected, and here it never is). The faulty run
   * is compared with it, so the comparison shows what the faults cost the healthy endpoints, not
   * what a share of the same work costs. It runs on warmed processes (warmProcesses). Its "fault"
   * (a no-op) marks the end of its new project's warm-up, where its latencies start to count.
   */
  private async baseline(scenario: ChaosScenario, load: ChaosLoad): Promise<ChaosLedger> {
    await this.warmProcesses(scenario, load);
    await this.dataSource.query('analyze'); // see pauseAutovacuum
    const name = `${scenario.name}-baseline`;
    const say = (line: string) => this.log(`[${name}] ${line}`);
    return this.stream(
      { ...scenario, name, description: 'fault-free', inject: async () => {} },
      { ...load, faultAt: BASELINE_WARM_UP_S },
      say,
      { lateRepeats: false },
    );
  }

  /**
   * A stream of the scenario's load to as many healthy endpoints as it has, WARM_UP_DELIVERIES
   * deliveries long, counted nowhere.
   */
  private async warmProcesses(scenario: ChaosScenario, load: ChaosLoad): Promise<void> {
    const name = `${scenario.name}-warm-up`;
    const webhooks = Math.max(load.webhooks, scenario.endpoints?.length ?? 0);
    const seconds = Math.ceil(WARM_UP_DELIVERIES / (load.rate * webhooks));
    const say = (line: string) => this.log(`[${name}] ${line}`);
    const ledger = await this.stream(
      { name, description: 'warm-up', quick: false, inject: async () => {} },
      { ...load, webhooks, seconds, faultAt: 0 },
      say,
      { lateRepeats: false },
    );
    say(
      `${ledger.delivered} deliveries, ${ledger.missing} missing, ${ledger.logDisagreements} log rows that disagree; the processes are warm`,
    );
  }

  private async stream(
    scenario: ChaosScenario,
    load: ChaosLoad,
    say: (line: string) => void,
    { lateRepeats = true } = {},
  ): Promise<ChaosLedger> {
    const started = Date.now();
    const { projectId, apiKey, webhooks, client, warmUps } = await this.setUp(
      scenario,
      load.webhooks,
    );
    const owedWebhooks = () => webhooks.filter((w) => w.owed);
    const endpoints = () => owedWebhooks().map((w) => w.endpoint);
    const stream: ChaosStream = {
      addWebhook: async (apiUrl) => {
        const endpoint = `${scenario.name}-${webhooks.length}-${Date.now().toString(36)}`;
        this.receiver.expect(endpoint);
        const created = await new HooklineClient({ baseUrl: apiUrl, apiKey }).webhooks.create(
          this.receiver.url(endpoint),
          [CHAOS_EVENT_TYPE],
        );
        this.receiver.accept(endpoint, created.secret);
        webhooks.push({ id: created.id, endpoint, since: Date.now(), owed: true, checked: true });
      },
      apiDown: (from, to) => void down.push({ from, to }),
    };
    const down: { from: number; to: number }[] = [];
    const invalidBefore = this.receiver.invalid;
    const earlyBefore = this.receiver.early;

    const published = new Map<string, number>();
    let publishFailed = 0;
    let publishErrors = 0;
    const publish = this.publishing(scenario, projectId, apiKey);
    const sends: Promise<void>[] = [];
    let fault: Promise<{ start: number; end: number }> | undefined;
    const ticks = Math.ceil((load.seconds * 1000) / TICK_MS);
    let sent = 0;
    const t0 = Date.now();
    const faultAt = load.faultAt ?? load.seconds / 2;
    say(`publishing ${load.rate}/s for ${load.seconds} s; fault at ${faultAt} s`);
    for (let tick = 0; tick < ticks; tick++) {
      if (tick === Math.floor((faultAt * 1000) / TICK_MS)) {
        const start = Date.now();
        fault = scenario.inject(this.hl, say, stream).then(() => ({ start, end: Date.now() }));
      }
      for (const due = Math.floor((load.rate * (tick + 1) * TICK_MS) / 1000); sent < due; sent++) {
        const sentAt = Date.now();
        sends.push(
          publish(`n${sent}`).then(
            (id) => void published.set(id, sentAt),
            (e) => void (e instanceof HooklineApiError ? publishErrors++ : publishFailed++),
          ),
        );
      }
      // Steady pace: each tick starts at its own time, whatever the previous one cost.
      await sleep(Math.max(0, t0 + (tick + 1) * TICK_MS - Date.now()));
    }
    await Promise.all(sends);
    const window = await fault!;
    say(
      `stream over: ${published.size} published, ${publishFailed} refused, ${publishErrors} answered with an error`,
    );

    const expected = [...published.values()].reduce(
      (n, sentAt) => n + owedWebhooks().filter((w) => sentAt >= w.since).length,
      0,
    );
    const owed = () => this.owed(published, owedWebhooks());
    await this.quiescence(() => owed().missing, load.settleMs).catch(() =>
      say('not every delivery arrived in time'),
    );
    // Late repeats (a task redone after a crash) arrive shortly after; count them too. A
    // fault-free run has none to wait for.
    if (lateRepeats) await sleep(2000);
    const { missing, byPair } = owed();
    const receipts = this.receiver.receiptsOf(endpoints());
    const ledgerReceipts = receipts.filter((r) => published.has(r.eventId));
    const duplicates = ledgerReceipts.reduce((n, r) => n + r.count - 1, 0);
    const largest = Math.max(0, ...ledgerReceipts.map((r) => r.count));
    const acceptedWhileDown = [...published.values()].filter((sentAt) =>
      down.some((d) => sentAt >= d.from && sentAt < d.to),
    ).length;
    const unacknowledged = new Set(
      receipts
        .filter((r) => !published.has(r.eventId) && !warmUps.has(r.eventId))
        .map((r) => r.eventId),
    ).size;
    const early = this.receiver.early - earlyBefore;
    if (early > 0)
      say(`${early} requests came before their endpoint had its secret: refused, and made again`);
    const checked = webhooks.filter((w) => w.checked);
    const logDisagreements =
      (await this.logDisagreements(
        projectId,
        checked,
        this.receiver.receiptsOf(checked.map((w) => w.endpoint)),
      )) + (await this.stillActive(client, checked));
    const recoverySeconds = recovery(published, owedWebhooks(), byPair, window);
    const latency = latencies(published, owedWebhooks(), byPair, window.start);
    const steady = latencies(published, owedWebhooks(), byPair, window.start + STEADY_AFTER_MS);
    return {
      scenario: scenario.name,
      published: published.size,
      publishFailed,
      publishErrors,
      acceptedWhileDown,
      expected,
      delivered: expected - missing,
      missing,
      duplicates,
      largest,
      unacknowledged,
      invalid: this.receiver.invalid - invalidBefore,
      logDisagreements,
      recoverySeconds,
      p50Ms: percentile(latency, 0.5),
      p99Ms: percentile(latency, 0.99),
      steadyP99Ms: percentile(steady, 0.99),
      seconds: Math.round((Date.now() - started) / 1000),
    };
  }

  /**
   * One event of the stream, published through the producer library, or through `POST /v1/events`
   * when the scenario's load is HTTP ingest; resolves to the event's id once it is accepted.
   */
  private publishing(
    scenario: ChaosScenario,
    projectId: string,
    apiKey: string,
  ): (name: string) => Promise<string> {
    const data = (name: string) => ({
      project_id: projectId,
      name,
      tier: 'pro' as const,
      region: 'eu-west-1',
    });
    if (scenario.ingest === 'http') {
      const api = new HooklineClient({ baseUrl: this.hl.apiUrl, apiKey, timeoutMs: 30_000 });
      return async (name) => (await api.events.publish(CHAOS_EVENT_TYPE, data(name))).id;
    }
    return async (name) =>
      (await this.publisher.publish(CHAOS_EVENT_TYPE, data(name), { projectId })).id;
  }

  /**
   * Waits until nothing is owed. Past `settleMs` it keeps waiting only while deliveries still
   * arrive (a starved box drains slowly, but drains), up to three times `settleMs`: a pipeline
   * that stopped delivering is given up on after `settleMs`.
   */
  private async quiescence(missing: () => number, settleMs: number): Promise<void> {
    const start = Date.now();
    let last = missing();
    let progressAt = start;
    while (last > 0) {
      const now = Date.now();
      if (now - start > settleMs * 3) throw new Error('not every delivery');
      if (now - start > settleMs && now - progressAt > settleMs / 4)
        throw new Error('no delivery for a while');
      await sleep(250);
      const owed = missing();
      if (owed < last) [last, progressAt] = [owed, Date.now()];
    }
  }

  /** A project with `count` webhooks on their own endpoints, warmed up: each has delivered once. */
  private async setUp(scenario: ChaosScenario, count: number) {
    const { name } = scenario;
    const special = scenario.endpoints ?? [];
    const admin = new HooklineClient({ baseUrl: this.hl.apiUrl, adminToken: this.hl.adminToken });
    const project = await admin.projects.create(`chaos-${name}`);
    const client = new HooklineClient({ baseUrl: this.hl.apiUrl, apiKey: project.api_key });
    const webhooks: ChaosWebhook[] = [];
    const served: string[] = [];
    for (let i = 0; i < Math.max(count, special.length); i++) {
      const endpoint = `${name}-${i}-${Date.now().toString(36)}`;
      const url = special[i]?.url?.() ?? this.receiver.url(endpoint);
      const created = await client.webhooks.create(url, [CHAOS_EVENT_TYPE]);
      this.receiver.accept(endpoint, created.secret);
      if (special[i]) this.receiver.answerWith(endpoint, special[i]!.answer);
      if (!special[i]?.url) served.push(endpoint);
      const owed = special[i]?.owed ?? true;
      const checked = owed || special[i]?.endsDisabled !== false;
      webhooks.push({ id: created.id, endpoint, since: 0, owed, checked });
    }
    // The fan-out learns webhooks from the changelog: wait until an event reaches every one (that
    // this receiver serves; the others were created first, so are known by then too).
    const endpoints = served;
    const warmUps = new Set<string>();
    await pollUntil(
      async () => {
        const { id } = await this.publisher.publish(
          CHAOS_EVENT_TYPE,
          { project_id: project.id, name: 'warm-up', tier: 'pro', region: 'eu-west-1' },
          { projectId: project.id },
        );
        warmUps.add(id);
        await sleep(500);
        const reached = new Set(this.receiver.receiptsOf(endpoints).map((r) => r.endpoint));
        return reached.size === endpoints.length;
      },
      { timeoutMs: 60_000, intervalMs: 0, message: 'warm-up delivery to every webhook' },
    );
    return { projectId: project.id, apiKey: project.api_key, webhooks, client, warmUps };
  }

  /** Deliveries not received yet: each event to each webhook that existed when it was published. */
  private owed(published: Map<string, number>, webhooks: readonly ChaosWebhook[]) {
    const byPair = new Map<string, Receipt>();
    for (const r of this.receiver.receiptsOf(webhooks.map((w) => w.endpoint))) {
      const key = `${r.eventId} ${r.endpoint}`;
      const known = byPair.get(key);
      if (!known || r.firstAt < known.firstAt) byPair.set(key, r);
    }
    let missing = 0;
    for (const [id, sentAt] of published)
      for (const w of webhooks)
        if (sentAt >= w.since && !byPair.has(`${id} ${w.endpoint}`)) missing++;
    return { missing, byPair };
  }

  /**
   * Rows of the delivery log (read through DeliveryLogRepository, as the API reads them) that
   * disagree with the endpoints: received but not `succeeded`, `succeeded` but never received, or
   * still `pending` once everything settled (a delivery neither made nor ended).
   * The log is written in batches, so this waits (bounded) for it to catch up.
   */
  private async logDisagreements(
    projectId: string,
    webhooks: readonly ChaosWebhook[],
    receipts: readonly Receipt[],
  ): Promise<number> {
    const repository = new DeliveryLogRepository(this.dataSource);
    const count = async () => {
      const status = new Map<string, string>();
      for (const w of webhooks) {
        let cursor: string | undefined;
        do {
          const page = await repository.list(projectId, w.id, { limit: 1000, cursor });
          for (const row of page.rows) status.set(row.id, row.status);
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
      }
      const received = new Set(receipts.map((r) => r.deliveryId));
      let disagreements = 0;
      for (const id of received) if (status.get(id) !== 'succeeded') disagreements++;
      for (const [id, s] of status)
        if ((s === 'succeeded' && !received.has(id)) || s === 'pending') disagreements++;
      return disagreements;
    };
    return pollUntil(async () => ((await count()) === 0 ? 0 : undefined), {
      timeoutMs: 20_000,
      intervalMs: 500,
    })
      .then(() => 0)
      .catch(() => count());
  }

  /** Webhooks whose endpoint refused until deliveries died (not owed) but that are still active. */
  private async stillActive(client: HooklineClient, webhooks: readonly ChaosWebhook[]) {
    let active = 0;
    for (const w of webhooks) if (!w.owed && (await client.webhooks.get(w.id)).active) active++;
    return active;
  }

  async close(): Promise<void> {
    await this.publisher.disconnect();
    await this.receiver.close();
    await this.dataSource.destroy();
  }
}

function recovery(
  published: Map<string, number>,
  webhooks: readonly ChaosWebhook[],
  byPair: Map<string, Receipt>,
  window: { start: number; end: number },
): number | null {
  let last = window.start;
  for (const [id, sentAt] of published) {
    if (sentAt > window.end) continue;
    for (const w of webhooks) {
      if (sentAt < w.since) continue;
      const r = byPair.get(`${id} ${w.endpoint}`);
      if (!r) return null;
      last = Math.max(last, r.firstAt);
    }
  }
  return Math.round((last - window.start) / 100) / 10;
}

/** Publish → first receipt (ms) of every owed delivery of the events published from `from` on. */
function latencies(
  published: Map<string, number>,
  webhooks: readonly ChaosWebhook[],
  byPair: Map<string, Receipt>,
  from: number,
): number[] {
  const ms: number[] = [];
  for (const [id, sentAt] of published) {
    if (sentAt < from) continue;
    for (const w of webhooks) {
      const r = byPair.get(`${id} ${w.endpoint}`);
      if (r && sentAt >= w.since) ms.push(r.firstAt - sentAt);
    }
  }
  return ms.sort((a, b) => a - b);
}

function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}
