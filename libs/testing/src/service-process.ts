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
 * The heap limit a service runs under when nothing sets one. V8 sizes a process's heap from the
 * memory it may use (in a container, its limit; on this 24 GB machine, a 4 GB heap) and, under a
 * limit of 2 GB or more, lets the old space grow to four times what the last full collection left
 * alive: the dispatcher and the fan-out, 50–80 MB live at full load, peaked at 400–470 MB. Under
 * 1.5 GB it grows about 1.8 times: ~120 MB less for each, for about a seventh more of the
 * dispatcher's CPU (docs/performance.md, "Where the CPU and the memory go"). The images set no
 * limit: there a pod's memory limit sizes the heap.
 */
export const DEFAULT_HEAP_LIMIT_FLAG = '--max-old-space-size=1536';

/**
 * The Node flags a service is started with: HOOKLINE_NODE_FLAGS (e.g.
 * "--cpu-prof --cpu-prof-dir=.data/profiles" to profile every service; Node refuses --cpu-prof in
 * NODE_OPTIONS), and the default heap limit unless those flags or NODE_OPTIONS set one (a flag on
 * the command line would override NODE_OPTIONS').
 */
export function serviceNodeFlags(env: NodeJS.ProcessEnv): string[] {
  const flags = (env.HOOKLINE_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const limited = /--max[-_]old[-_]space[-_]size/.test(
    `${env.NODE_OPTIONS ?? ''} ${flags.join(' ')}`,
  );
  return limited ? flags : [DEFAULT_HEAP_LIMIT_FLAG, ...flags];
}

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
  const nodeFlags = serviceNodeFlags(env);
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
