import { parseConfig } from '@hookline/config';
import { LoopbackReceiver, TcpProxy, pollUntil } from '@hookline/testing';
import { createDispatcher, type Dispatcher } from '../dispatcher';
import { DispatcherHarness } from '../testing/dispatcher-harness';

/** Kubernetes' default termination grace period. */
const GRACE_MS = 30_000;

describe('dispatcher shutdown with Postgres unreachable', () => {
  let h: DispatcherHarness;
  let receiver: LoopbackReceiver;
  let proxy: TcpProxy;
  const started: Dispatcher[] = [];

  const dispatcherThrough = async (databaseUrl: string) => {
    const d = createDispatcher(parseConfig({ ...h.env, DATABASE_URL: databaseUrl }), {
      retention: false,
      commitIntervalMs: 100,
    });
    started.push(d);
    await d.start();
    await pollUntil(async () => (await d.readiness()).consuming, { timeoutMs: 30_000 });
    return d;
  };

  beforeAll(async () => {
    receiver = await LoopbackReceiver.start();
    h = await DispatcherHarness.start({ startDispatcher: false });
    const target = new URL(h.db.url);
    proxy = await TcpProxy.start(`${target.hostname}:${target.port}`);
  });
  afterAll(async () => {
    await Promise.all(started.map((d) => d.stop().catch(() => undefined)));
    await proxy?.close();
    await h?.stop();
    await receiver?.close();
  });

  it('should stop within the grace period, say it is not ready meanwhile, and lose no task', async () => {
    const viaProxy = new URL(h.db.url);
    viaProxy.port = String(proxy.port);
    const dispatcher = await dispatcherThrough(viaProxy.toString());
    const { row } = await h.webhook({ url: receiver.url });
    await pollUntil(() => dispatcher.view.get(row.id)?.version === row.version);

    await proxy.close(); // Postgres gone for this dispatcher, mid-stream
    const task = await h.task(row.id);
    await pollUntil(async () => !(await dispatcher.readiness()).database, {
      message: 'readiness reports the database',
    });

    const stopping = Date.now();
    await dispatcher.stop();
    expect(Date.now() - stopping).toBeLessThan(GRACE_MS);

    // At least once: the task, not finished before the stop, is done by the next dispatcher.
    await proxy.open();
    await dispatcherThrough(viaProxy.toString());
    await pollUntil(() => receiver.forEvent(task.event.id).length >= 1, {
      timeoutMs: 30_000,
      message: 'the task delivered after the restart',
    });
    await pollUntil(async () => (await h.delivery(task.delivery_id))?.status === 'succeeded', {
      message: 'and logged',
    });
  });
});
