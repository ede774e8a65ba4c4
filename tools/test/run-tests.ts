import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { StackError, stackDown, stackUp } from '../stack/stack';
import { DATA_DIR, REPO_ROOT } from '../stack/stack-paths';
import { testLimitMinutes } from './test-limit';

/**
 * `npm test`: starts the test stack (its own Postgres and Kafka on free ports, so it never
 * disturbs a running dev stack or a second clone), runs every project's tests through Nx, prints
 * `N passed, N failed` summed over all projects, and stops what it started.
 */
const RESULTS_DIR = join(DATA_DIR, 'test-results');

interface ProjectResult {
  project: string;
  passed: number;
  failed: number;
  skipped: number;
}

let running: ChildProcess | undefined;
/** Stops the tests' process group (which, being detached, a Ctrl-C at the terminal misses). */
function stopTests() {
  if (!running?.pid || running.exitCode !== null) return;
  try {
    process.kill(-running.pid, 'SIGKILL');
  } catch {
    running.kill('SIGKILL');
  }
}

/**
 * Runs Nx; past `limitMinutes` (the tests take under ten minutes on a 2-core machine, so something
 * hangs: a process that never exits) the run is stopped and reported as failed rather than left
 * to use up the CI's own time.
 */
function runNx(
  args: string[],
  env: NodeJS.ProcessEnv,
  limitMinutes: number,
  log: (line: string) => void,
): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(join(REPO_ROOT, 'node_modules', '.bin', 'nx'), args, {
      cwd: REPO_ROOT,
      env,
      stdio: 'inherit',
      // Its own process group, so that the limit stops Jest and whatever it started with it.
      detached: true,
    });
    running = child;
    const limit = setTimeout(() => {
      log(`tests still running after ${limitMinutes} minutes: stopping them`);
      stopTests();
    }, limitMinutes * 60_000);
    child.on('exit', (code, signal) => {
      clearTimeout(limit);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

/** Runs a gate (lint, typecheck) through npm; answers whether it passed. */
function runGate(script: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', script], { cwd: REPO_ROOT, stdio: 'inherit' });
    child.on('exit', (code) => resolve(code === 0));
  });
}

function readResults(): ProjectResult[] {
  if (!existsSync(RESULTS_DIR)) return [];
  return readdirSync(RESULTS_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(RESULTS_DIR, f), 'utf8')) as ProjectResult);
}

async function main(argv: string[]): Promise<number> {
  const started = Date.now();
  rmSync(RESULTS_DIR, { recursive: true, force: true });
  const log = (line: string) => process.stdout.write(`[test] ${line}\n`);
  const limitMinutes = testLimitMinutes(process.env.HOOKLINE_TEST_LIMIT_MINUTES);
  log(`node ${process.version} (${process.execPath})`);
  // The gates come first and fail the run like a failed test: a boundary violation or a type
  // error is a red build even when every test passes. `--no-gates` skips them (a quick re-run).
  const gates = argv.includes('--no-gates') ? [] : ['typecheck', 'lint'];
  const gateFailures: string[] = [];
  for (const gate of gates) {
    log(`gate: npm run ${gate}`);
    if (!(await runGate(gate))) gateFailures.push(gate);
  }
  const { state, started: startedParts } = await stackUp('test', log);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    if (startedParts.postgres || startedParts.kafka) await stackDown('test', log);
  };
  process.once('SIGINT', () => {
    stopTests();
    void stop().then(() => process.exit(130));
  });
  process.once('SIGTERM', () => {
    stopTests();
    void stop().then(() => process.exit(143));
  });

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NX_DAEMON: 'false',
    NX_NO_CLOUD: 'true',
    NX_TUI: 'false',
    NX_SKIP_NX_CACHE: 'true',
    HOOKLINE_TEST_RESULTS_DIR: RESULTS_DIR,
    HOOKLINE_TEST_DATABASE_URL: state.testDatabaseUrl,
    HOOKLINE_TEST_KAFKA_BROKERS: state.kafkaBrokers,
    ...('saslSsl' in state.kafka &&
      state.kafka.saslSsl && { HOOKLINE_TEST_KAFKA_SASL_SSL: JSON.stringify(state.kafka.saslSsl) }),
    HOOKLINE_ALLOW_PRIVATE_URLS: 'true',
    HOOKLINE_ALLOW_HTTP: 'true',
    HOOKLINE_LOG_LEVEL: process.env.HOOKLINE_LOG_LEVEL ?? 'warn',
  };
  const projects = argv.find((a) => a.startsWith('--projects='));
  let nxCode: number;
  try {
    nxCode = await runNx(
      [
        'run-many',
        '-t',
        'test',
        '--parallel=2',
        '--outputStyle=stream',
        '--skipNxCache',
        ...(projects ? [projects] : []),
      ],
      env,
      limitMinutes,
      log,
    );
  } finally {
    await stop();
  }

  const results = readResults();
  const passed = results.reduce((n, r) => n + r.passed, 0);
  let failed = results.reduce((n, r) => n + r.failed, 0) + gateFailures.length;
  for (const gate of gateFailures) log(`gate failed: npm run ${gate}`);
  // A project whose Jest never reported (crashed, failed to compile) still counts as a failure.
  if (nxCode !== 0 && failed === 0) failed = 1;
  const skipped = results.reduce((n, r) => n + r.skipped, 0);
  log(`${results.length} projects in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  process.stdout.write(
    `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`,
  );
  return failed === 0 && nxCode === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(
      e instanceof StackError || e instanceof RangeError
        ? `${e.message}\n`
        : `test: ${(e as Error).stack}\n`,
    );
    process.exit(1);
  },
);
