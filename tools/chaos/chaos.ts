import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHooklineProcesses } from '@hookline/testing';
import { build } from '../build/build';
import { StackError, stackDown, stackUp } from '../stack/stack';
import { DATA_DIR } from '../stack/stack-paths';
import { ledgerFails, ledgerTable, type ChaosLedger } from './chaos-ledger';
import { CHAOS_PROCESS_OPTIONS, ChaosRunner, DEFAULT_LOAD } from './chaos-runner';
import { runOnOwnStack } from './chaos-stack';
import { selectScenarios } from './chaos-scenarios';

/**
 * `npm run chaos [-- --quick] [-- --only=kill-dispatcher,rolling-sigterm]`: the compiled services
 * as processes on the test stack (its own Postgres and Kafka, never the dev stack's), faults
 * injected while events flow, a ledger per scenario. Prints the table, writes
 * .data/chaos/<time>.json, and exits 1 when any ledger shows a missing or invalid delivery or a
 * delivery-log row that disagrees with the endpoints.
 */
async function main(argv: string[]): Promise<number> {
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const quick = argv.includes('--quick');
  const only = argv
    .find((a) => a.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  const scenarios = selectScenarios({ quick, only });

  const { state, started } = await stackUp('test', (l) => say(`[stack] ${l}`));
  process.env.HOOKLINE_TEST_DATABASE_URL = state.testDatabaseUrl;
  process.env.HOOKLINE_TEST_KAFKA_BROKERS = state.kafkaBrokers;
  const ledgers: ChaosLedger[] = [];
  try {
    // The services run as production runs them: compiled.
    const compiled = await build();
    say(`[chaos] ${compiled.files} files compiled to dist/ in ${compiled.ms} ms`);
    process.env.HOOKLINE_RUN_BUILD = '1';
    const chaosLog = (l: string) => say(`[chaos] ${l}`);
    // Scenarios that stop Kafka or Postgres bring their own stack and services (runOnOwnStack).
    const hl = scenarios.some((s) => !s.ownStack)
      ? await startHooklineProcesses(CHAOS_PROCESS_OPTIONS)
      : undefined;
    const runner = hl && (await ChaosRunner.start(hl, chaosLog));
    try {
      for (const scenario of scenarios) {
        say(`\n[chaos] ${scenario.name}: ${scenario.description}`);
        const ledger = scenario.ownStack
          ? await runOnOwnStack(scenario, DEFAULT_LOAD, chaosLog)
          : await runner!.run(scenario);
        ledgers.push(ledger);
        say(ledgerTable([ledger]));
      }
    } finally {
      await runner?.close();
      await hl?.stop();
    }
  } finally {
    if (started.postgres || started.kafka) await stackDown('test', (l) => say(`[stack] ${l}`));
  }

  const failed = ledgers.filter(ledgerFails);
  const report = { date: new Date().toISOString(), quick, failed: failed.length, ledgers };
  const dir = join(DATA_DIR, 'chaos');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${report.date.replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`);
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  say(`\n${ledgerTable(ledgers)}\n`);
  say(
    failed.length
      ? `[chaos] FAILED: ${failed.map((l) => l.scenario).join(', ')}; ledgers in ${file}`
      : `[chaos] every ledger balanced; ledgers in ${file}`,
  );
  return failed.length ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(
      e instanceof StackError ? `${e.message}\n` : `chaos: ${(e as Error).stack}\n`,
    );
    process.exit(1);
  },
);
