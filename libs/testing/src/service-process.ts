import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync } from 'node:fs';
import { join, resolve } from 'node:path';

const REPO_ROOT = resolve(__dirname, '..', '..', '..');
export const LOG_DIR = join(REPO_ROOT, '.data', 'logs');

export function serviceEntry(app: string): string {
  return join(REPO_ROOT, 'apps', app, 'src', 'main.ts');
}

export function serviceExists(app: string): boolean {
  return existsSync(serviceEntry(app));
}

/** The app's entry as `npm run build` compiles it, which production runs. */
export function builtServiceEntry(app: string): string {
  return join(REPO_ROOT, 'dist', 'apps', app, 'src', 'main.js');
}

/**
 * One V8 worker thread (concurrent compiling and marking) per service, not Node's default four, as
 * the images run them (docker/Dockerfile, k8s/base/config.yaml): the pods get one CPU, and the
 * local stack runs three services, Kafka, Postgres and the load on a machine's few cores. With
 * four, a burst of compiling (a tenant's first failures send every dispatcher path they take to
 * V8's optimizing tiers at once) took most of a core of this two-core machine for 100–200 ms,
 * and every delivery waited for a core meanwhile (docs/chaos.md).
 */
const SERVICE_NODE_FLAGS: readonly string[] = ['--v8-pool-size=1'];

/**
 * Runs an app's main.ts as its own process, TypeScript compiled on the fly, output appended to
 * .data/logs/<logName>.log. This is how `npm start` and the end-to-end suite run the services.
 * With HOOKLINE_RUN_BUILD=1 in env it runs the compiled dist/ instead, as production does (the
 * benchmark measures that).
 */
export function spawnService(
  app: string,
  env: NodeJS.ProcessEnv,
  options: {
    logName?: string;
    args?: string[];
    /** stdout as a pipe to read, stderr to the log */ pipe?: boolean;
  } = {},
): ChildProcess {
  mkdirSync(LOG_DIR, { recursive: true });
  const log = openSync(join(LOG_DIR, `${options.logName ?? app}.log`), 'a');
  // e.g. HOOKLINE_NODE_FLAGS="--cpu-prof --cpu-prof-dir=.data/profiles" to profile every service
  // (Node refuses --cpu-prof in NODE_OPTIONS). After SERVICE_NODE_FLAGS, so it may override them:
  // of two values of one flag, Node keeps the last.
  const nodeFlags = [
    ...SERVICE_NODE_FLAGS,
    ...(env.HOOKLINE_NODE_FLAGS ?? '').split(' ').filter(Boolean),
  ];
  const built = env.HOOKLINE_RUN_BUILD === '1';
  if (built && !existsSync(builtServiceEntry(app)))
    throw new Error(`${builtServiceEntry(app)} is missing: run npm run build first`);
  const entry = built
    ? [builtServiceEntry(app)]
    : ['-r', join(REPO_ROOT, 'tools', 'register.js'), serviceEntry(app)];
  return spawn(process.execPath, [...nodeFlags, ...entry, ...(options.args ?? [])], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', options.pipe ? 'pipe' : log, log],
  });
}

/** Waits until url answers 2xx; fails early when the child exits. */
export async function waitForHttp(
  url: string,
  timeoutMs: number,
  child?: ChildProcess,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null)
      throw new Error(`exited with code ${child.exitCode} before answering ${url}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline)
      throw new Error(`no answer from ${url} within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** SIGTERM, then SIGKILL after graceMs; resolves when the process is gone. */
export async function stopService(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
