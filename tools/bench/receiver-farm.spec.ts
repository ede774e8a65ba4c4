import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pollUntil } from '@hookline/testing';

const REPO_ROOT = join(__dirname, '..', '..');

/**
 * Stands in for the bench: forks the receiver farm as the bench does, prints its pid once it has
 * its ports, and dies without stopping it (as the bench did when a scenario threw).
 */
const PARENT = `
const { fork } = require('node:child_process');
const farm = fork(${JSON.stringify(join(__dirname, 'receiver-farm.ts'))}, ['1'], {
  execArgv: ['-r', ${JSON.stringify(join(REPO_ROOT, 'tools', 'register.js'))}],
  stdio: 'ignore',
});
farm.once('message', () => {
  process.stdout.write(farm.pid + '\\n');
  process.exit(1);
});
`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the bench receiver farm', () => {
  let farmPid = 0;
  afterEach(() => {
    if (farmPid && alive(farmPid)) process.kill(farmPid, 'SIGKILL');
  });

  it('should exit when the process that forked it is gone', async () => {
    const parent = spawn(process.execPath, ['-e', PARENT], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    parent.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await new Promise((resolve) => parent.once('exit', resolve));
    farmPid = Number(out.trim());
    expect(farmPid).toBeGreaterThan(0);
    // Left behind, it kept its four listening ports and its CPU share for the next run.
    await pollUntil(() => !alive(farmPid), {
      timeoutMs: 10_000,
      message: 'the farm exited after its parent',
    });
  }, 30_000);
});
