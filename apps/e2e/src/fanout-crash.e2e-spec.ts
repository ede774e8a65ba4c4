import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEventPublisher, type EventPublisher } from '@hookline/producer';
import { HooklineClient } from '@hookline/sdk';
import {
  LoopbackReceiver,
  pollUntil,
  startHooklineProcesses,
  type HooklineProcesses,
} from '@hookline/testing';

const EVENTS = 400;
const KILL_AFTER = 150;

/**
 * kill -9 of the fan-out while events flow: every event is still delivered, and the duplicates
 * its replay causes are counted (the dispatcher does not POST a task whose delivery already
 * ended, so only what was in flight at the crash may arrive twice).
 */
describe('a fan-out killed mid-stream', () => {
  let hl: HooklineProcesses;
  let publisher: EventPublisher;
  let receiver: LoopbackReceiver;

  beforeAll(async () => {
    hl = await startHooklineProcesses({
      logPrefix: 'fanout-crash',
      logLevel: 'warn',
      // The killed member's partitions move once its session expires.
      extraEnv: { HOOKLINE_KAFKA_SESSION_TIMEOUT: '6s' },
    });
    publisher = createEventPublisher({
      brokers: hl.topics.brokers,
      clientId: 'fanout-crash',
      topicPrefix: hl.topics.prefix,
    });
    receiver = await LoopbackReceiver.start();
  });
  afterAll(async () => {
    await publisher?.disconnect();
    await receiver?.close();
    await hl?.stop();
  });

  it('should lose nothing and repeat at most what was in flight', async () => {
    const admin = new HooklineClient({ baseUrl: hl.apiUrl, adminToken: hl.adminToken });
    const project = await admin.projects.create('crash');
    const client = new HooklineClient({ baseUrl: hl.apiUrl, apiKey: project.api_key });
    await client.webhooks.create(receiver.url, ['*']);

    const ids: string[] = [];
    let restarted: Promise<void> | undefined;
    for (let i = 0; i < EVENTS; i++) {
      const { id } = await publisher.publish(
        'project.updated',
        { project_id: 'p', name: `n${i}`, tier: 'pro', region: 'eu-west-1' },
        { projectId: project.id },
      );
      ids.push(id);
      if (i === KILL_AFTER) restarted = hl.restart('fanout', 'SIGKILL');
      await new Promise((r) => setTimeout(r, 10));
    }
    await restarted;
    await pollUntil(() => ids.every((id) => receiver.forEvent(id).length >= 1), {
      timeoutMs: 90_000,
      message: 'every event delivered after the crash',
    });
    // Let late repeats, if any, arrive before counting.
    await new Promise((r) => setTimeout(r, 2000));
    const requests = ids.reduce((n, id) => n + receiver.forEvent(id).length, 0);
    const duplicates = requests - ids.length;
    const largest = Math.max(...ids.map((id) => receiver.forEvent(id).length));
    const out = join(__dirname, '..', '..', '..', '.data', 'test-output');
    mkdirSync(out, { recursive: true });
    writeFileSync(
      join(out, 'fanout-crash-duplicates.json'),
      JSON.stringify({ events: EVENTS, delivered: ids.length, duplicates, largest }, null, 2),
    );
    expect(duplicates).toBeLessThanOrEqual(KILL_AFTER);
    expect(largest).toBeLessThanOrEqual(2);
  });
});
