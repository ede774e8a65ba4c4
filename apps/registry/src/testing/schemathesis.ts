import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Pinned: a new release brings new checks, which should arrive by a deliberate bump. */
export const SCHEMATHESIS_VERSION = '4.32.5';

const DATA_DIR = join(__dirname, '..', '..', '..', '..', '.data');
const VENV = join(DATA_DIR, 'venv');
/** Where it goes when python3 has no venv module (Debian without python3-venv). */
const TARGET = join(DATA_DIR, 'schemathesis-lib');

export interface Schemathesis {
  python: string;
  env: NodeJS.ProcessEnv;
}

const run = (cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) =>
  execFileSync(cmd, args, { env, stdio: 'pipe', timeout: 300_000 }).toString();

/**
 * Schemathesis from PyPI into `.data/` on first use (about 10 s), reused after. Throws when it
 * cannot be installed: a conformance test that cannot run must fail, not pass silently.
 */
export function installSchemathesis(): Schemathesis {
  const venvPython = join(VENV, 'bin', 'python3');
  if (existsSync(venvPython) || tryRun('python3', ['-m', 'venv', VENV])) {
    ensureVersion(venvPython, ['-m', 'pip', 'install', '-q'], process.env);
    return { python: venvPython, env: process.env };
  }
  const env = { ...process.env, PYTHONPATH: TARGET };
  ensureVersion('python3', ['-m', 'pip', 'install', '-q', '--upgrade', '--target', TARGET], env);
  return { python: 'python3', env };
}

function ensureVersion(python: string, pipInstall: string[], env: NodeJS.ProcessEnv): void {
  const installed = tryRun(python, ['-m', 'schemathesis.cli', '--version'], env);
  if (installed?.includes(SCHEMATHESIS_VERSION)) return;
  try {
    run(python, [...pipInstall, `schemathesis==${SCHEMATHESIS_VERSION}`], env);
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(
      `installing schemathesis==${SCHEMATHESIS_VERSION} from PyPI failed: ${err.stderr?.toString() ?? err.message}`,
    );
  }
}

function tryRun(cmd: string, args: string[], env?: NodeJS.ProcessEnv): string | undefined {
  try {
    return run(cmd, args, env);
  } catch {
    return undefined;
  }
}

/** Runs `schemathesis <args>`; answers its exit code and everything it printed. */
export function runSchemathesis(
  st: Schemathesis,
  args: string[],
  env: Record<string, string>,
  timeoutMs: number,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(st.python, ['-m', 'schemathesis.cli', ...args], {
      env: { ...st.env, ...env, NO_COLOR: '1' },
      // Its cache and reports are written to the working directory: keep them out of the sources.
      cwd: DATA_DIR,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({
        code,
        output: code === null ? `${output}\n(killed after ${timeoutMs} ms)` : output,
      });
    });
  });
}
