import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { EventEnvelopeSchema, findEventType } from '@hookline/contracts';
import { TopicCollector, createTestTopics, type TestTopics } from '@hookline/testing';

const ROOT = join(__dirname, '..', '..', '..');

/** Runs the CLI to its end; fails the test if it takes longer than timeoutMs. */
function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 30_000) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['-r', join(ROOT, 'tools', 'register.js'), join(__dirname, 'main.ts'), ...args],
      {
        cwd: ROOT,
        env: { ...process.env, ...env },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the producer did not finish within ${timeoutMs} ms: ${stdout}${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('producer CLI', () => {
  let topics: TestTopics;

  beforeAll(async () => {
    topics = await createTestTopics();
  });
  afterAll(async () => {
    await topics?.drop();
  });

  it('should publish exactly --count valid envelopes and report the rate', async () => {
    const env = { KAFKA_BROKERS: topics.brokers.join(','), HOOKLINE_TOPIC_PREFIX: topics.prefix };
    const result = await runCli(
      ['--count', '40', '--rate', '0', '--projects', 'prj_cli_a,prj_cli_b'],
      env,
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/done: 40 events in [\d.]+ s \(\d+ events\/s\), 0 failed/);

    // Everything it published is acknowledged: the high-water marks say how many there are.
    const admin = topics.kafka.admin();
    await admin.connect();
    const offsets = await admin
      .fetchTopicOffsets(topics.topics.events)
      .finally(() => admin.disconnect());
    expect(offsets.reduce((sum, p) => sum + Number(p.high), 0)).toBe(40);

    const collector = await TopicCollector.start(topics.kafka, [topics.topics.events]);
    try {
      await collector.waitFor((m) => m.length === 40);
      for (const message of collector.messages) {
        const envelope = EventEnvelopeSchema.parse(JSON.parse(message.value));
        expect(findEventType(envelope.event)!.data.safeParse(envelope.data).error).toBeUndefined();
        expect(message.key).toBe(envelope.project_id);
        expect(message.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      }
      expect(new Set(collector.messages.map((m) => m.key))).toEqual(
        new Set(['prj_cli_a', 'prj_cli_b']),
      );
    } finally {
      await collector.stop();
    }
  });

  it('should refuse a bad option with a message naming it', async () => {
    const result = await runCli(['--types', 'ignite.deployment.exploded'], {
      KAFKA_BROKERS: topics.brokers.join(','),
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('ignite.deployment.exploded');
  });
});
