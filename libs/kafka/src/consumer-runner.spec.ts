import { KafkaJSNonRetriableError, type Kafka, type KafkaMessage } from 'kafkajs';
import { ConsumerRunner } from './consumer-runner';
import type { ConsumedMessage, ConsumerRunnerOptions } from './consumer-runner.types';

type TopicPartitions = { topic: string; partitions?: number[] }[];
type Listener = (event: { payload: Record<string, unknown> }) => void;

/** Stands in for a kafkajs consumer: records calls, and lets a test deliver batches and events. */
class FakeConsumer {
  readonly events = {
    GROUP_JOIN: 'group_join',
    CRASH: 'crash',
    END_BATCH_PROCESS: 'end_batch_process',
  };
  readonly paused: TopicPartitions[] = [];
  readonly resumed: TopicPartitions[] = [];
  readonly seeks: { topic: string; partition: number; offset: string }[] = [];
  readonly commits: { topic: string; partition: number; offset: string }[][] = [];
  disconnected = false;
  commitError?: Error;
  hangOnDisconnect = false;
  hangOnRun = false;
  private readonly listeners = new Map<string, Listener[]>();
  private eachBatch?: (payload: unknown) => Promise<void>;

  on(event: string, listener: Listener) {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return () => undefined;
  }
  emit(event: string, payload: Record<string, unknown>) {
    for (const listener of this.listeners.get(event) ?? []) listener({ payload });
  }
  async connect() {}
  async subscribe() {}
  async run(config: { eachBatch: (payload: unknown) => Promise<void> }) {
    this.eachBatch = config.eachBatch;
    if (this.hangOnRun) await new Promise<void>(() => undefined);
  }
  pause(tps: TopicPartitions) {
    this.paused.push(tps);
  }
  resume(tps: TopicPartitions) {
    this.resumed.push(tps);
  }
  seek(tp: { topic: string; partition: number; offset: string }) {
    this.seeks.push(tp);
  }
  async commitOffsets(offsets: { topic: string; partition: number; offset: string }[]) {
    if (this.commitError) throw this.commitError;
    this.commits.push(offsets);
  }
  disconnect() {
    this.disconnected = true;
    return this.hangOnDisconnect ? new Promise<void>(() => undefined) : Promise.resolve();
  }

  join(assignment: Record<string, number[]>) {
    this.emit(this.events.GROUP_JOIN, { memberAssignment: assignment });
  }

  /** Delivers one batch; resolves when eachBatch returns, with the offsets it resolved. */
  async batch(partition: number, offsets: number[], headers: Record<string, string> = {}) {
    const resolved: string[] = [];
    const messages = offsets.map(
      (o) => ({ offset: String(o), key: null, value: Buffer.from(`m${o}`), headers }) as never,
    );
    await this.eachBatch!({
      batch: {
        topic: 't',
        partition,
        highWatermark: String(offsets[offsets.length - 1]! + 1),
        messages,
        lastOffset: () => String(offsets[offsets.length - 1]),
      },
      resolveOffset: (o: string) => resolved.push(o),
      heartbeat: async () => undefined,
      isRunning: () => true,
      isStale: () => false,
    });
    return resolved;
  }
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(e: Error): void;
}
function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

const until = async (condition: () => boolean) => {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(condition()).toBe(true);
};

describe(ConsumerRunner.name, () => {
  let consumers: FakeConsumer[];
  let work: Map<string, Deferred>;
  let sut: ConsumerRunner;
  const log = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };
  const latest = () => consumers[consumers.length - 1]!;

  /** `prepare` sees each consumer as it is made (the n-th, from 1). */
  function setup(
    options: Partial<ConsumerRunnerOptions> = {},
    prepare?: (consumer: FakeConsumer, n: number) => void,
  ) {
    consumers = [];
    work = new Map();
    const kafka = {
      consumer: () => {
        const consumer = new FakeConsumer();
        consumers.push(consumer);
        prepare?.(consumer, consumers.length);
        return consumer;
      },
    } as unknown as Kafka;
    sut = new ConsumerRunner({
      name: 'test',
      kafka,
      groupId: 'g',
      topics: ['t'],
      handle: (message: ConsumedMessage) => {
        const d = deferred();
        work.set(`${message.partition}:${message.offset}`, d);
        return d.promise;
      },
      maxPendingPerPartition: 10,
      maxPendingTotal: 100,
      commitIntervalMs: 60_000,
      drainTimeoutMs: 50,
      disconnectTimeoutMs: 50,
      restartBackoff: { initialMs: 1, maxMs: 10 },
      log,
      ...options,
    });
  }

  afterEach(() => sut.stop());

  it('should commit only below finished work when it finishes out of order', async () => {
    setup();
    await sut.start();
    latest().join({ t: [0] });
    expect(await latest().batch(0, [0, 1, 2, 3])).toEqual(['0', '1', '2', '3']);

    work.get('0:2')!.resolve();
    work.get('0:1')!.resolve();
    await sut.commit();
    // Offset 0 is unfinished: the commit stays where reading started.
    expect(latest().commits).toEqual([[{ topic: 't', partition: 0, offset: '0' }]]);

    work.get('0:0')!.resolve();
    await until(() => sut.pending === 1);
    await sut.commit();
    expect(latest().commits[1]).toEqual([{ topic: 't', partition: 0, offset: '3' }]);
  });

  it('should pause a partition over its pending limit and resume it once half drained', async () => {
    setup({ maxPendingPerPartition: 4 });
    await sut.start();
    latest().join({ t: [0, 1] });
    latest().resumed.splice(0); // the join lifts stray pauses
    await latest().batch(0, [0, 1, 2, 3]);
    expect(latest().paused).toEqual([[{ topic: 't', partitions: [0] }]]);

    // Batches already fetched for a held partition are left for after the resume.
    expect(await latest().batch(0, [4])).toEqual([]);
    work.get('0:0')!.resolve();
    work.get('0:1')!.resolve();
    await until(() => sut.pending === 2);
    expect(latest().resumed).toEqual([]); // half of its limit still pending
    work.get('0:2')!.resolve();
    await until(() => latest().resumed.length === 1);
    expect(latest().resumed).toEqual([[{ topic: 't', partitions: [0] }]]);
  });

  it('should make the batch wait for room instead of pausing when told to wait', async () => {
    setup({ maxPendingPerPartition: 2, whenFull: 'wait' });
    await sut.start();
    latest().join({ t: [0] });
    latest().resumed.splice(0);
    let returned = false;
    const batch = latest()
      .batch(0, [0, 1, 2, 3])
      .finally(() => (returned = true));
    await until(() => work.size === 2);
    await new Promise((r) => setTimeout(r, 20));
    expect([...work.keys()]).toEqual(['0:0', '0:1']);
    work.get('0:0')!.resolve();
    await until(() => work.size === 3);
    expect(returned).toBe(false);
    work.get('0:1')!.resolve();
    work.get('0:2')!.resolve();
    expect(await batch).toEqual(['0', '1', '2', '3']);
    expect(latest().paused).toEqual([]);
  });

  it('should hold a partition at a message not yet due and resume it when it falls due', async () => {
    const due = new Map<string, number>([['1', Date.now() + 60]]);
    setup({ dueAt: (m: KafkaMessage) => due.get(m.offset) });
    await sut.start();
    latest().join({ t: [0] });
    latest().resumed.splice(0); // the join lifts stray pauses
    expect(await latest().batch(0, [0, 1, 2])).toEqual(['0']);
    expect(latest().seeks).toEqual([{ topic: 't', partition: 0, offset: '1' }]);
    expect(latest().paused).toHaveLength(1);
    await until(() => latest().resumed.length === 1);
    due.clear();
    expect(await latest().batch(0, [1, 2])).toEqual(['1', '2']);
  });

  it('should not hand out a message again when it is re-read after a rebalance', async () => {
    setup();
    await sut.start();
    latest().join({ t: [0] });
    await latest().batch(0, [0, 1]);
    latest().join({ t: [0] });
    expect(await latest().batch(0, [0, 1, 2])).toEqual(['0', '1', '2']);
    expect([...work.keys()]).toEqual(['0:0', '0:1', '0:2']);
  });

  it('should retry a failed handler, and give up on it when onHandlerError says skip', async () => {
    let calls = 0;
    setup({
      handle: async (message) => {
        calls++;
        if (message.offset === '0' || calls < 3) throw new Error('boom');
      },
      onHandlerError: (message) => (message.offset === '0' ? 'skip' : 'retry'),
    });
    await sut.start();
    latest().join({ t: [0] });
    await latest().batch(0, [0, 1]);
    await until(() => sut.pending === 0);
    expect(calls).toBe(3); // 0 once (skipped), 1 twice (failed, then retried) …
    await sut.commit();
    expect(latest().commits).toEqual([[{ topic: 't', partition: 0, offset: '2' }]]);
  });

  it('should retry a failing handler at most 2 s apart, logging fewer and fewer of its failures', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
    log.error.mockClear();
    try {
      let down = true; // the handler's database, say
      setup({
        handle: async () => {
          if (down) throw new Error('database unreachable');
        },
      });
      await sut.start();
      latest().join({ t: [0] });
      await latest().batch(0, [0]);
      await jest.advanceTimersByTimeAsync(16_000);
      expect(sut.pending).toBe(1);
      down = false;
      await jest.advanceTimersByTimeAsync(2_100);
      expect(sut.pending).toBe(0);
      // Failures 1, 2, 4 and 8 of the ten or so: not one line per retry for as long as it lasts.
      const failures = log.error.mock.calls
        .filter(([, msg]) => msg === 'message failed; retrying')
        .map(([fields]) => (fields as { failures: number }).failures);
      expect(failures).toEqual([1, 2, 4, 8]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('should weigh messages as their handler says', async () => {
    setup({
      handle: (_message, context) => {
        context.setWeight(3);
        return new Promise(() => undefined);
      },
      maxPendingPerPartition: 6,
    });
    await sut.start();
    latest().join({ t: [0] });
    await latest().batch(0, [0]);
    expect(latest().paused).toEqual([]);
    await latest().batch(0, [1]);
    expect(sut.pending).toBe(6);
    expect(latest().paused).toEqual([[{ topic: 't', partitions: [0] }]]);
  });

  it('should re-create a consumer that kafkajs gave up on, and report it not consuming meanwhile', async () => {
    const restarted = jest.fn();
    setup({ metrics: { restarted } });
    await sut.start();
    const first = latest();
    first.join({ t: [0] });
    expect(sut.consuming).toBe(true);

    first.emit(first.events.CRASH, { error: new Error('gone'), restart: false });
    expect(sut.consuming).toBe(false);
    await until(() => consumers.length === 2);
    expect(first.disconnected).toBe(true);
    await until(() => restarted.mock.calls.length === 1);
    latest().join({ t: [0] });
    expect(sut.consuming).toBe(true);
  });

  it('should never let kafkajs restart a consumer itself', async () => {
    const configs: { retry?: { restartOnFailure?: (e: Error) => Promise<boolean> } }[] = [];
    setup({}, () => undefined);
    const kafka = (sut as unknown as { options: { kafka: { consumer: (c: never) => unknown } } })
      .options.kafka;
    const make = kafka.consumer.bind(kafka);
    kafka.consumer = (config: never) => (configs.push(config), make(config));
    await sut.start();
    expect(await configs[0]!.retry!.restartOnFailure!(new Error('any'))).toBe(false);
  });

  it('should re-create a consumer after any crash, even one kafkajs says it restarts', async () => {
    setup();
    await sut.start();
    latest().join({ t: [0] });
    latest().emit(latest().events.CRASH, { error: new Error('blip'), restart: true });
    expect(sut.consuming).toBe(false);
    await until(() => consumers.length === 2);
    expect(consumers[0]!.disconnected).toBe(true);
    latest().join({ t: [0] });
    expect(sut.consuming).toBe(true);
  });

  it('should make a replaced consumer that joins the group again leave it', async () => {
    setup();
    await sut.start();
    const first = latest();
    first.join({ t: [0, 1] });
    // Its commit finds it stopped before its crash is announced: the runner replaces it...
    first.commitError = new KafkaJSNonRetriableError('Consumer group was not initialized');
    await first.batch(0, [0]);
    work.get('0:0')!.resolve();
    await until(() => sut.pending === 0);
    await sut.commit();
    await until(() => consumers.length === 2);
    latest().join({ t: [0] });
    first.disconnected = false;
    // ...and a restart scheduled before that brings the old one back into the group.
    first.join({ t: [1] });
    expect(first.disconnected).toBe(true);
    expect(sut.assignment).toEqual({ t: [0] });
    expect(sut.consuming).toBe(true);
  });

  it('should give up on a re-created consumer that never starts, and make another', async () => {
    setup({ startTimeoutMs: 20 }, (consumer, n) => (consumer.hangOnRun = n === 2));
    await sut.start();
    latest().join({ t: [0] });
    latest().emit(latest().events.CRASH, { error: new Error('gone'), restart: false });
    await until(() => consumers.length === 3);
    expect(consumers[1]!.disconnected).toBe(true);
    latest().join({ t: [0] });
    expect(sut.consuming).toBe(true);
  });

  it('should re-create a consumer that died without a crash event (commit: group not initialized)', async () => {
    setup();
    await sut.start();
    latest().join({ t: [0] });
    await latest().batch(0, [0]);
    work.get('0:0')!.resolve();
    await until(() => sut.pending === 0);
    latest().commitError = new KafkaJSNonRetriableError('Consumer group was not initialized');
    await sut.commit();
    await until(() => consumers.length === 2);
  });

  it('should say it is not live once it has not consumed for longer than the bound', async () => {
    setup({ unhealthyAfterMs: 1000 });
    await sut.start();
    const started = Date.now();
    expect(sut.health(started + 500)).toMatchObject({ consuming: false, live: true });
    expect(sut.health(started + 5000).live).toBe(false);
    latest().join({ t: [0] });
    expect(sut.health(started + 5000)).toMatchObject({ consuming: true, unhealthyForMs: 0 });
  });

  it('should stop within its bounds while work hangs and the broker does not answer', async () => {
    setup();
    await sut.start();
    latest().join({ t: [0] });
    await latest().batch(0, [0, 1]);
    work.get('0:0')!.resolve();
    latest().hangOnDisconnect = true;
    const began = Date.now();
    await sut.stop();
    expect(Date.now() - began).toBeLessThan(1000);
    // What finished was committed; the unfinished message is left for the next owner.
    expect(latest().commits).toEqual([[{ topic: 't', partition: 0, offset: '1' }]]);
  });
});
