import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AnsweringEndpoint } from '../testing/answering-endpoint';

const REPO_ROOT = join(__dirname, '..', '..', '..', '..');

/** Runs a child under --trace-deopt; answers what V8 printed after its marker. */
async function traceAfterMarker(child: string, args: string[], marker: string): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--trace-deopt', '-r', join(REPO_ROOT, 'tools', 'register.js'), child, ...args],
    { cwd: REPO_ROOT, maxBuffer: 256 * 1024 * 1024, timeout: 60_000 },
  );
  const after = stdout.slice(stdout.indexOf(marker));
  expect(after).toContain('--- done');
  return after.slice(0, after.indexOf('--- done'));
}

describe('WebhookHttpClient and misbehaving endpoints', () => {
  // A first huge answer grew undici's WebAssembly parser memory, which detaches its old
  // ArrayBuffer; V8 then threw away every optimized function that reads a typed array (timers,
  // Buffer, streams, the client itself: over a hundred in the dispatcher) and every delivery of
  // every tenant ran slow until they were compiled again.
  it('should not make V8 throw away optimized code at a first huge answer', async () => {
    const after = await traceAfterMarker(
      join(__dirname, '..', 'testing', 'huge-answer.child.ts'),
      [],
      '--- huge answers from here',
    );
    const wholesale = after
      .split('\n')
      .filter((line) => line.includes('reason: dependent property cell changed'));
    expect(wholesale).toEqual([]);
  }, 90_000);

  describe('in another process', () => {
    let endpoint: AnsweringEndpoint;

    beforeAll(async () => (endpoint = await AnsweringEndpoint.start()));
    afterAll(() => endpoint?.close());

    // The first socket a process destroys (an answer cut at the read cap, an exchange cut at its
    // deadline, a connection the peer reset) changed what V8 had assumed of sockets, streams and
    // undici's requests, and it threw away their optimized code, ~40 functions that every
    // delivery runs: at a tenant's first bad endpoint, all tenants' deliveries ran slow.
    it.each(['hang', 'huge', 'reset'])(
      'should not make V8 throw away the code every delivery runs at a first %s',
      async (misbehaviour) => {
        const after = await traceAfterMarker(
          join(__dirname, '..', 'testing', 'misbehaving-answers.child.ts'),
          [endpoint.base, misbehaviour],
          '--- misbehaving answers from here',
        );
        const thrownAway = after
          .split('\n')
          .filter((line) => /reason: dependent /.test(line))
          .map((line) => /SharedFunctionInfo ([^>]*)>/.exec(line)?.[1]);
        expect(thrownAway).toEqual([]);
      },
      90_000,
    );
  });
});
