import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { LOG_DIR, REPO_ROOT } from '../stack/stack-paths';

/** The apps `npm start` runs, in start order; an app that does not exist yet is skipped. */
export const SERVICES = ['registry', 'fanout', 'dispatcher'] as const;

export function serviceEntry(app: string): string {
  return join(REPO_ROOT, 'apps', app, 'src', 'main.ts');
}

export function serviceExists(app: string): boolean {
  return existsSync(serviceEntry(app));
}

/** Runs an app's main.ts as its own process (TypeScript compiled on the fly), logging to .data/logs. */
export function spawnService(app: string, env: NodeJS.ProcessEnv, args: string[] = []): ChildProcess {
  mkdirSync(LOG_DIR, { recursive: true });
  const log = openSync(join(LOG_DIR, `${app}.log`), 'a');
  return spawn(process.execPath, ['-r', join(REPO_ROOT, 'tools', 'register.js'), serviceEntry(app), ...args], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', log, log],
  });
}

export async function waitForHttp(url: string, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`exited with code ${child.exitCode} before answering ${url}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`no answer from ${url} within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
