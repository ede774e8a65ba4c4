import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { generateSecret, signHeaders } from '@hookline/signing';
import { pollUntil } from '@hookline/testing';

const BIN = join(__dirname, '..', '..', '..', 'tools', 'cli', 'hookline.js');

interface Run {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

/** Runs the `hookline` bin as a user would (the package.json bin, TypeScript compiled on the fly). */
function hookline(args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

describe('hookline bin', () => {
  it('should receive a signed POST, print it as valid and stop on SIGINT with exit code 0', async () => {
    const secret = generateSecret();
    const run = hookline(['listen', '--port', '0', '--secret', secret]);
    try {
      const url = await pollUntil(() => run.stderr().match(/Listening on (http:\/\/\S+?),/)?.[1], {
        timeoutMs: 20_000,
        message: 'listening',
      });
      const body = JSON.stringify({
        id: 'evt_bin',
        webhook_id: 'wh_bin',
        project_id: 'prj_bin',
        event: 'webhook.ping',
        occurred_at: new Date().toISOString(),
        data: { message: 'hi' },
      });
      const headers = signHeaders({
        scheme: 'standard',
        secrets: [secret],
        msgId: 'msg_bin',
        timestamp: Math.floor(Date.now() / 1000),
        body,
      });
      expect((await fetch(url, { method: 'POST', headers, body })).status).toBe(200);
      const forged = {
        ...headers,
        'webhook-signature': headers['webhook-signature']!.replace(
          /^v1,(.)/,
          (_, c: string) => `v1,${c === 'A' ? 'B' : 'A'}`,
        ),
      };
      expect((await fetch(url, { method: 'POST', headers: forged, body })).status).toBe(400);
      await pollUntil(() => run.stdout().split('\n').length > 2, {
        timeoutMs: 5_000,
        message: 'two lines',
      });
      const [valid, invalid] = run.stdout().trim().split('\n');
      expect(valid).toMatch(/✓ valid\s+webhook\.ping\s+evt_bin\s+msg_bin/);
      expect(invalid).toMatch(/✗ invalid\s+webhook\.ping.*\(Invalid signature\)/);
    } finally {
      run.child.kill('SIGINT');
    }
    await expect(run.exit).resolves.toBe(0);
  });

  it.each([
    [['listen', '--bogus']],
    [['listen', '--port', 'eighty']],
    [['no-such-command']],
    [['webhooks', 'list', '--bogus']],
  ])('should exit 2 with one line on stderr for %j', async (args) => {
    const run = hookline(args);
    await expect(run.exit).resolves.toBe(2);
    expect(run.stdout()).toBe('');
    expect(run.stderr()).toMatch(/^hookline: [^\n]+\n$/);
  });
});
