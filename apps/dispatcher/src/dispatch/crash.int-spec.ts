import type { ChildProcess } from 'node:child_process';
import type { DeliveryTask } from '@hookline/contracts';
import {
  LoopbackReceiver,
  freePort,
  pollUntil,
  spawnService,
  stopService,
  waitForHttp,
} from '@hookline/testing';
import { DispatcherHarness } from '../testing/dispatcher-harness';
import { ConsumerRunner } from '@hookline/kafka';

describe(`${ConsumerRunner.name} of the dispatcher across a kill -9`, () => {
  let h: DispatcherHarness;
  let receiver: LoopbackReceiver;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    receiver = await LoopbackReceiver.start();
    // Slow enough that the kill lands while requests are in flight and offsets uncommitted.
    receiver.answer({ status: 200, body: 'ok', delayMs: 20 });
    h = await DispatcherHarness.start({ startDispatcher: false, timeout: '5s' });
  });
  afterAll(async () => {
    if (child) await stopService(child, 2000);
    await h?.stop();
    await receiver?.close();
  });

  it('should deliver every task at least once after a kill -9 mid-batch and a restart', async () => {
    const hooks = await Promise.all(
      Array.from({ length: 6 }, () => h.webhook({ url: receiver.url })),
    );
    const port = await freePort();
    child = spawnService(
      'dispatcher',
      { ...process.env, ...h.env, HOOKLINE_METRICS_PORT: String(port) },
      { logName: 'dispatcher-crash-test' },
    );
    await waitForHttp(`http://127.0.0.1:${port}/readyz`, 30_000, child);

    const tasks: DeliveryTask[] = [];
    for (let i = 0; i < 300; i++) tasks.push(await h.task(hooks[i % hooks.length]!.row.id));
    await pollUntil(() => receiver.requests.length >= 40, {
      timeoutMs: 20_000,
      message: 'the first dispatcher delivering',
    });
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    child = undefined;
    const atKill = receiver.requests.length;

    await h.startDispatcher();
    const received = () => new Set(receiver.requests.map((r) => String(r.headers['webhook-id'])));
    await pollUntil(() => tasks.every((t) => received().has(t.delivery_id)), {
      timeoutMs: 60_000,
      message: 'every task delivered',
    });

    expect(atKill).toBeLessThan(tasks.length); // the kill did land mid-stream
    expect(tasks.filter((t) => !received().has(t.delivery_id))).toEqual([]);
    // Every attempt the restarted process made is in the log; the killed one may have lost its last batch of rows.
    const logged = await h.dataSource.query(
      'select count(distinct delivery_id)::int as n from delivery_attempts',
    );
    expect(logged[0].n).toBeGreaterThanOrEqual(tasks.length - atKill);
  });
});
