import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const REPO_ROOT = join(__dirname, '..', '..', '..', '..');

/**
 * Runs a TypeScript child (compiled on the fly, as the tests are) on this Node with extra V8 or
 * Node flags, and answers what it printed.
 */
export async function runTsChild(
  child: string,
  nodeFlags: string[],
  args: string[] = [],
): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [...nodeFlags, '-r', join(REPO_ROOT, 'tools', 'register.js'), child, ...args],
    { cwd: REPO_ROOT, maxBuffer: 256 * 1024 * 1024, timeout: 60_000 },
  );
  return stdout;
}
