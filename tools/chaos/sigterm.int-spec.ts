import { startHooklineProcesses, type HooklineProcesses } from '@hookline/testing';
import { ledgerTable, type ChaosLedger } from './chaos-ledger';
import {
  CHAOS_PROCESS_OPTIONS,
  ChaosRunner,
  SETTLE_PAST_COOLDOWN_MS,
  type ChaosLoad,
} from './chaos-runner';
import { SIGTERM_SCENARIOS, type SigtermStop } from './sigterm-scenarios';

const LOAD: ChaosLoad = { rate: 200, seconds: 6, webhooks: 2, settleMs: SETTLE_PAST_COOLDOWN_MS };

/**
 * SIGTERM of each service while events flow (the registry's through POST /v1/events): every event
 * accepted is delivered once, signed, and logged as delivered; nothing finished is redone (no
 * duplicate); the process exits by itself well inside its Kubernetes grace period; and no ingest
 * request is answered with an error (after the listener closed, a request cannot connect).
 */
describe('SIGTERM under load', () => {
  let hl: HooklineProcesses;
  let runner: ChaosRunner;
  const ledgers: ChaosLedger[] = [];
  const stops: SigtermStop[] = [];

  beforeAll(async () => {
    hl = await startHooklineProcesses({ ...CHAOS_PROCESS_OPTIONS, logPrefix: 'sigterm-test' });
    runner = await ChaosRunner.start(hl, () => undefined);
  }, 120_000);
  afterAll(async () => {
    process.stdout.write(
      `\n${ledgerTable(ledgers)}\n${stops.map((s) => `${s.service}: exit ${s.code} after ${s.exitMs} ms (grace ${s.graceMs / 1000} s)${s.listenerClosedMs === undefined ? '' : `, listener closed after ${s.listenerClosedMs} ms`}`).join('\n')}\n`,
    );
    await runner?.close();
    await hl?.stop();
  }, 60_000);

  it.each(SIGTERM_SCENARIOS.map((s) => [s.name, s] as const))(
    'should hand back or finish in-flight work and exit within the grace period under %s',
    async (_name, scenario) => {
      const ledger = await runner.run(scenario, LOAD);
      ledgers.push(ledger);
      const stop = scenario.stops.at(-1)!;
      stops.push(stop);
      expect(ledger.published).toBeGreaterThan(LOAD.rate);
      expect({
        missing: ledger.missing,
        duplicates: ledger.duplicates,
        invalid: ledger.invalid,
        log: ledger.logDisagreements,
        errors: ledger.publishErrors,
        acceptedWhileDown: ledger.acceptedWhileDown,
        exitCode: stop.code,
      }).toEqual({
        missing: 0,
        duplicates: 0,
        invalid: 0,
        log: 0,
        errors: 0,
        acceptedWhileDown: 0,
        exitCode: 0,
      });
      // The registry's stream went on while it was down: those requests could not connect.
      if (scenario.ingest === 'http') expect(ledger.publishFailed).toBeGreaterThan(0);
      // Well inside: half the grace period is left for a slower node and the preStop hook.
      expect(stop.exitMs).toBeLessThan(stop.graceMs / 2);
    },
    150_000,
  );
});
