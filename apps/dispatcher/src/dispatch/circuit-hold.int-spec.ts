import { KafkaHeaders, type DeliveryTask } from '@hookline/contracts';
import { LoopbackReceiver, TopicCollector, pollUntil } from '@hookline/testing';
import { DispatcherHarness } from '../testing/dispatcher-harness';

/**
 * Tasks held by an open circuit come back to look at it again, and every look is a produce, a
 * fetch and a decode. Held for one cool-down each time, every held task moved once per cool-down
 * for as long as the endpoint stayed down: an outage's cost grew with its length squared (its
 * backlog times its looks), until one tenant's dead endpoint took more of the dispatcher than
 * every healthy delivery (the bench's storm at 2,000/s: 63,500 holds for 12,000 failing tasks in
 * 30 s). The wait grows with the outage, so a task looks a few times in any outage; and a look
 * after the first reads no more of the task than a hop does (its key and headers), so each costs a
 * fetch and a produce, not a decode, a schema check and an encode besides.
 */
describe('tasks held by an open circuit', () => {
  const COOLDOWN_MS = 250;
  const OUTAGE_MS = 12_000;
  const TASKS = 20;
  let h: DispatcherHarness;
  let receiver: LoopbackReceiver;
  let tiers: TopicCollector;
  let down = true;

  const held = () => h.metric('tasks_held_total', { reason: 'circuit_open' });
  const reparked = () => h.metric('retries_scheduled_total');

  beforeAll(async () => {
    receiver = await LoopbackReceiver.start();
    receiver.answer(() => (down ? { status: 503, body: 'down' } : { status: 200, body: 'ok' }));
    h = await DispatcherHarness.start({
      // Tiers of the holds' waits as the outage lengthens; attempts to spare for the probes.
      schedule: '250ms,1s,4s,8s,8s,8s',
      circuitFailures: 3,
      circuitCooldown: `${COOLDOWN_MS}ms`,
    });
    tiers = await TopicCollector.start(h.topics.kafka, h.topics.topics.retry);
  });
  afterAll(async () => {
    await tiers?.stop();
    await h?.stop();
    await receiver?.close();
  });

  it('should look at the circuit a few times per task over an outage of 48 cool-downs, most of them without reading the task, and deliver every task once it is over', async () => {
    const { row } = await h.webhook({ url: receiver.url });
    const opening: DeliveryTask[] = [];
    for (let i = 0; i < 3; i++) opening.push(await h.task(row.id));
    await pollUntil(async () => receiver.requests.length >= 3, {
      timeoutMs: 10_000,
      message: 'the circuit opened',
    });
    const tasks: DeliveryTask[] = [];
    for (let i = 0; i < TASKS; i++) tasks.push(await h.task(row.id));
    const requestsBefore = receiver.requests.length;
    const heldBefore = await held();
    const movesBefore = await reparked();

    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    // Every move of a held task: a hold, or a hop on its tier (a repark). Each task (and each of
    // the opening three's retries) looked a few times per tier, about 8 in all, not 48 times.
    const moves = (await held()) - heldBefore + ((await reparked()) - movesBefore);
    expect(moves).toBeGreaterThan(0);
    expect(moves / (TASKS + 3)).toBeLessThanOrEqual(10);

    // A look that holds a task again writes a new due time (a hop keeps its due time); one that
    // read the task wrote its value anew. Only the first look of an attempt, and the one task a
    // second let through to become the circuit's probe (CircuitBreaker.refusalOfHeld), read it.
    const dues = new Map<string, Set<string>>();
    const values = new Map<string, Set<string>>();
    const add = (to: Map<string, Set<string>>, key: string, value: string) =>
      to.set(key, (to.get(key) ?? new Set()).add(value));
    for (const m of tiers.messages) {
      if (m.headers[KafkaHeaders.heldFor] !== 'circuit_open') continue;
      const { delivery_id, attempt } = JSON.parse(m.value) as DeliveryTask;
      add(dues, `${delivery_id}/${attempt}`, m.headers[KafkaHeaders.due]!);
      add(values, `${delivery_id}/${attempt}`, m.value);
    }
    const count = (of: Map<string, Set<string>>) =>
      [...of.values()].reduce((sum, set) => sum + set.size, 0);
    const [looks, reads] = [count(dues), count(values)];
    expect(looks).toBeGreaterThanOrEqual(2 * TASKS);
    expect(reads).toBeLessThanOrEqual(looks / 2);

    const requestsInOutage = receiver.requests.length - requestsBefore;
    down = false;
    // Back within the longest tier's delay: no task waited longer than the outage had lasted
    // when it last looked.
    await pollUntil(
      async () => {
        const rows = await Promise.all(
          [...opening, ...tasks].map((t) => h.delivery(t.delivery_id)),
        );
        return rows.every((r) => r?.status === 'succeeded');
      },
      { timeoutMs: 2 * OUTAGE_MS + 10_000, message: 'every task delivered' },
    );
    // A hold is no attempt: while it was down the endpoint saw the probes only, at most one per
    // cool-down, and no task's retries ran out on them.
    expect(requestsInOutage).toBeLessThanOrEqual(OUTAGE_MS / COOLDOWN_MS);
  }, 90_000);
});
