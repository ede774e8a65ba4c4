import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const REPO_ROOT = join(__dirname, '..', '..', '..', '..');

describe('WebhookHttpClient and a huge answer', () => {
  // A first huge answer grew undici's WebAssembly parser memory, which detaches its old
  // ArrayBuffer; V8 then threw away every optimized function that reads a typed array (timers,
  // Buffer, streams, the client itself: over a hundred in the dispatcher) and every delivery of
  // every tenant ran slow until they were compiled again.
  it('should not make V8 throw away optimized code', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--trace-deopt',
        '-r',
        join(REPO_ROOT, 'tools', 'register.js'),
        join(__dirname, '..', 'testing', 'huge-answer.child.ts'),
      ],
      { cwd: REPO_ROOT, maxBuffer: 256 * 1024 * 1024, timeout: 60_000 },
    );

    const after = stdout.slice(stdout.indexOf('--- huge answers from here'));
    expect(after).toContain('--- done');
    const wholesale = after
      .split('\n')
      .filter((line) => line.includes('reason: dependent property cell changed'));
    expect(wholesale).toEqual([]);
  }, 90_000);
});
