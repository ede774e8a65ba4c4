import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const REPO_ROOT = resolve(__dirname, '..', '..', '..');
const CONSOLE_APP = join(REPO_ROOT, 'apps', 'console');
/** Where the registry looks by default (HOOKLINE_CONSOLE_DIR, relative to the repository). */
export const CONSOLE_DIST = join(REPO_ROOT, 'dist', 'console');

function newestSource(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newestSource(join(path, name))));
}

/** Whether dist/console is missing or older than any of the console's sources. */
export function consoleBuildIsStale(): boolean {
  const index = join(CONSOLE_DIST, 'index.html');
  if (!existsSync(index)) return true;
  const sources = ['src', 'index.html', 'vite.config.mts'].map((p) => join(CONSOLE_APP, p));
  const built = statSync(index).mtimeMs;
  return sources.some((p) => existsSync(p) && newestSource(p) > built);
}

/** `vite build` of apps/console into dist/console, in its own process (Vite's API is ESM-only). */
export function buildConsole(): Promise<{ ms: number }> {
  const started = Date.now();
  const vite = join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      [vite, 'build', '--config', join(CONSOLE_APP, 'vite.config.mts'), '--logLevel', 'warn'],
      { cwd: CONSOLE_APP, stdio: ['ignore', 'inherit', 'inherit'] },
    );
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolvePromise({ ms: Date.now() - started })
        : reject(new Error(`vite build of apps/console exited with ${code}`)),
    );
  });
}

/**
 * Builds the console when its build is missing or stale: `npm start` and the console's browser
 * tests call this, so a fresh clone serves a current console without a separate step.
 */
export async function ensureConsoleBuilt(): Promise<{ built: boolean; ms: number }> {
  if (!existsSync(CONSOLE_APP) || !consoleBuildIsStale()) return { built: false, ms: 0 };
  return { built: true, ...(await buildConsole()) };
}
