import { Client } from 'pg';
import type { Consumer } from 'kafkajs';
import type { WebhookState } from '@hookline/contracts';
import { ChangelogReader, WebhookView } from '@hookline/kafka';
import { SecretBox } from '@hookline/persistence';
import { TopicCollector, pollUntil, uniqueName } from '@hookline/testing';
import { startRegistry, type RegistryHarness } from '../testing/registry-harness';
import { ChangelogRelay, RELAY_LOCK } from './changelog-relay';

type Harness = Awaited<ReturnType<typeof startRegistry>>;

async function sql<T = Record<string, unknown>>(
  r: RegistryHarness,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new Client({ connectionString: r.db.url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

const relayOf = (r: RegistryHarness) => r.app.get(ChangelogRelay);

const unpublished = async (r: RegistryHarness) =>
  Number(
    (
      await sql<{ n: string }>(
        r,
        'select count(*) as n from webhook_events where published_at is null',
      )
    )[0]!.n,
  );

/**
 * Kills a replica's relay the way a crash does: Postgres ends the session that holds the relay
 * lock (so the lock is gone without an unlock), and the relay does not come back. It crashes
 * between batches: a record on the topic is not yet marked in the outbox (the relay marks a batch
 * after Kafka's ack, and an API call stops waiting for that after 2 s under load), and a crash in
 * between would leave it unmarked, to be counted unpublished and published again on restart.
 */
async function crashRelay(r: RegistryHarness): Promise<void> {
  await pollUntil(async () => (await unpublished(r)) === 0, {
    message: 'the relay between batches',
  });
  const [killed] = await sql<{ pid: number }>(
    r,
    `select pg_terminate_backend(pid) as killed, pid from pg_locks
      where locktype = 'advisory' and classid = 0 and objid = $1 and granted and database = (select oid from pg_database where datname = current_database())`,
    [RELAY_LOCK],
  );
  expect(killed).toBeDefined();
  await relayOf(r).stop();
}

const versions = (collector: TopicCollector, id: string) =>
  collector
    .byKey(id)
    .map((m) => (m.value === '' ? 'tombstone' : (JSON.parse(m.value) as WebhookState).version));

describe(ChangelogRelay.name, () => {
  const open: Harness[] = [];
  const collectors: TopicCollector[] = [];
  const start = async (env: Record<string, string> = {}, shared?: Harness) => {
    const r = await startRegistry(env, shared);
    open.push(r);
    return r;
  };
  const collect = async (r: RegistryHarness) => {
    const c = await TopicCollector.start(r.topics.kafka, [r.topics.topics.webhooksChangelog]);
    collectors.push(c);
    return c;
  };

  afterEach(async () => {
    for (const c of collectors.splice(0)) await c.stop();
    // Replicas first, then the owners that drop the database and topics.
    for (const r of open.splice(0).reverse()) await r.close();
  });

  it('should publish, in order, the changes committed while the relay was dead once a replica restarts', async () => {
    const first = await start();
    const { apiKey: token } = await first.project();
    const collector = await collect(first);
    const w = (
      await first.call('POST', '/v1/webhooks', {
        token,
        body: { url: 'http://127.0.0.1:4000/a', events: ['*'] },
      })
    ).body;
    await collector.waitFor(() => versions(collector, w.id).length === 1);

    await crashRelay(first);
    const writes = [
      await first.call('PATCH', `/v1/webhooks/${w.id}`, { token, body: { description: 'v2' } }),
      await first.call('POST', `/v1/webhooks/${w.id}/secret/rotate`, {
        token,
        body: { transition_hours: 1 },
      }),
      await first.call('PATCH', `/v1/webhooks/${w.id}`, { token, body: { events: ['project.*'] } }),
    ];
    const created = await first.call('POST', '/v1/webhooks', {
      token,
      body: { url: 'http://127.0.0.1:4000/b', events: ['*'] },
    });
    expect([...writes, created].map((res) => res.status)).toEqual([200, 200, 200, 201]);
    const gone = created.body;
    expect((await first.call('DELETE', `/v1/webhooks/${gone.id}`, { token })).status).toBe(204);
    // Committed, and nobody left to publish them.
    expect(await unpublished(first)).toBe(5);
    await first.stop();

    const restarted = await start({}, first);
    await collector.waitFor(
      () => versions(collector, w.id).length === 4 && versions(collector, gone.id).length === 2,
    );
    expect(versions(collector, w.id)).toEqual([1, 2, 3, 4]);
    expect(versions(collector, gone.id)).toEqual([1, 'tombstone']);
    expect(collector.byKey(w.id).map((m) => m.headers['hookline-change-type'])).toEqual([
      'webhook.created',
      'webhook.updated',
      'webhook.secret_rotated',
      'webhook.updated',
    ]);
    await pollUntil(async () => (await unpublished(restarted)) === 0, {
      message: 'every row marked published',
    });
  });

  it('should let a standby replica take over the relay when the leader dies', async () => {
    const leader = await start();
    await pollUntil(() => relayOf(leader).isLeader, { message: 'first replica leads' });
    const standby = await start({}, leader);
    const { apiKey: token } = await leader.project();
    const collector = await collect(leader);
    const w = (
      await standby.call('POST', '/v1/webhooks', {
        token,
        body: { url: 'http://127.0.0.1:4000/c', events: ['*'] },
      })
    ).body;
    await collector.waitFor(() => versions(collector, w.id).length === 1);
    // Only one replica relays at a time.
    expect(relayOf(standby).isLeader).toBe(false);

    const died = Date.now();
    await crashRelay(leader);
    await pollUntil(() => relayOf(standby).isLeader, {
      timeoutMs: 10_000,
      intervalMs: 20,
      message: 'standby takes over',
    });
    const takeoverMs = Date.now() - died;
    await leader.call('PATCH', `/v1/webhooks/${w.id}`, {
      token,
      body: { description: 'after the leader died' },
    });
    await collector.waitFor(() => versions(collector, w.id).length === 2);
    expect(versions(collector, w.id)).toEqual([1, 2]);
    process.stdout.write(
      `changelog relay: standby took the lock ${takeoverMs} ms after the leader's session died\n`,
    );
  });

  it('should put a new webhook on the changelog before the API answers when the relay leader is stalled', async () => {
    const first = await start();
    const { apiKey: token } = await first.project();
    await crashRelay(first);
    // A stalled leader: alive, holding the relay lock, publishing nothing (a long pause, a stopped
    // pod). No replica can take over while its session lasts.
    const stalled = new Client({ connectionString: first.db.url });
    await stalled.connect();
    try {
      await stalled.query('select pg_advisory_lock($1)', [RELAY_LOCK]);
      const replica = await start({}, first);
      const collector = await collect(first);

      const created = await replica.call('POST', '/v1/webhooks', {
        token,
        body: { url: 'http://127.0.0.1:4000/s', events: ['*'] },
      });
      expect(created.status).toBe(201);
      // Published by the replica that answered (the fan-out's next batch routes by it), while the
      // relay is still stalled.
      await collector.waitFor(() => versions(collector, created.body.id).length === 1, {
        timeoutMs: 5_000,
      });
      expect(await unpublished(first)).toBe(1);

      // The relay resumes and publishes the row again (same version, harmless) and marks it.
      await stalled.query('select pg_advisory_unlock($1)', [RELAY_LOCK]);
      await collector.waitFor(() => versions(collector, created.body.id).length === 2);
      expect(versions(collector, created.body.id)).toEqual([1, 1]);
      await pollUntil(async () => (await unpublished(first)) === 0, {
        message: 'the row marked published by the relay',
      });
    } finally {
      await stalled.end();
    }
  }, 120_000);

  it('should let a consumer reading the changelog from the beginning rebuild exactly the current webhooks', async () => {
    const r = await start();
    const a = await r.project('A');
    const b = await r.project('B');
    const create = async (token: string, path: string) =>
      (
        await r.call('POST', '/v1/webhooks', {
          token,
          body: { url: `http://127.0.0.1:4000/${path}`, events: ['ignite.deployment.*'] },
        })
      ).body;
    const hooks = [
      await create(a.apiKey, 'a1'),
      await create(a.apiKey, 'a2'),
      await create(a.apiKey, 'a3'),
      await create(b.apiKey, 'b1'),
      await create(b.apiKey, 'b2'),
    ];
    const [a1, a2, a3, b1, b2] = hooks;
    await r.call('PATCH', `/v1/webhooks/${a1.id}`, {
      token: a.apiKey,
      body: { events: ['*'], description: 'all' },
    });
    const rotatedSlow = (
      await r.call('POST', `/v1/webhooks/${a1.id}/secret/rotate`, {
        token: a.apiKey,
        body: { transition_hours: 2 },
      })
    ).body;
    const rotatedNow = (
      await r.call('POST', `/v1/webhooks/${b1.id}/secret/rotate`, {
        token: b.apiKey,
        body: { transition_hours: 0 },
      })
    ).body;
    await r.call('PATCH', `/v1/webhooks/${a2.id}`, { token: a.apiKey, body: { active: false } });
    await r.call('DELETE', `/v1/webhooks/${a3.id}`, { token: a.apiKey });
    await r.call('DELETE', `/v1/webhooks/${b2.id}`, { token: b.apiKey });
    await pollUntil(async () => (await unpublished(r)) === 0, { message: 'everything published' });

    // A relay that published its last batch but died before marking it publishes it again.
    await sql(
      r,
      'update webhook_events set published_at = null where seq > (select max(seq) - 4 from webhook_events)',
    );
    relayOf(r).wake();
    await pollUntil(async () => (await unpublished(r)) === 0, {
      message: 'the batch published again',
    });

    const view = new WebhookView();
    const reader = new ChangelogReader({
      kafka: r.topics.kafka,
      topic: r.topics.topics.webhooksChangelog,
      groupPrefix: uniqueName('rebuild'),
      onRecord: (key, value) => view.apply(key, value),
    });
    await reader.start();
    try {
      await reader.caughtUp;
      const current = await sql<{ aggregate_id: string; state: WebhookState }>(
        r,
        `select distinct on (e.aggregate_id) e.aggregate_id, e.state from webhook_events e
           join webhooks w on w.id = e.aggregate_id order by e.aggregate_id, e.version desc`,
      );
      expect(current.map((x) => x.aggregate_id).sort()).toEqual([a1.id, a2.id, b1.id].sort());
      expect([...view.values()].map((s) => s.id).sort()).toEqual(
        current.map((x) => x.aggregate_id).sort(),
      );
      for (const { aggregate_id, state } of current) expect(view.get(aggregate_id)).toEqual(state);
      expect(view.invalidRecords).toBe(0);

      const box = new SecretBox(r.config.HOOKLINE_ENCRYPTION_KEYS);
      const slow = view.get(a1.id)!;
      expect(slow.secrets.map((s) => box.decrypt(a1.id, s.ciphertext))).toEqual([
        rotatedSlow.secret,
        a1.secret,
      ]);
      expect(slow.secrets[1]!.expires_at).toBe(rotatedSlow.old_secret_expires_at);
      expect(view.get(b1.id)!.secrets.map((s) => box.decrypt(b1.id, s.ciphertext))).toEqual([
        rotatedNow.secret,
      ]);
      expect(view.get(a2.id)).toMatchObject({ active: false, disabled_reason: 'manual' });
      expect(view.get(a1.id)).toMatchObject({ events: ['*'], description: 'all' });
    } finally {
      await reader.stop();
    }
  });

  it('should put each change on the topic moments after its commit (measured, reported)', async () => {
    const r = await start();
    const { apiKey: token } = await r.project();
    const w = (
      await r.call('POST', '/v1/webhooks', {
        token,
        body: { url: 'http://127.0.0.1:4000/l', events: ['*'] },
      })
    ).body;
    const arrived = new Map<number, number>();
    const consumer: Consumer = r.topics.kafka.consumer({
      groupId: uniqueName('latency'),
      maxWaitTimeInMs: 50,
    });
    await consumer.connect();
    await consumer.subscribe({ topic: r.topics.topics.webhooksChangelog, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (message.key?.toString() === w.id && message.value)
          arrived.set((JSON.parse(message.value.toString()) as WebhookState).version, Date.now());
      },
    });
    try {
      await pollUntil(() => arrived.has(1), { message: 'the consumer reads the topic' });
      const latencies: number[] = [];
      for (let i = 2; i <= 21; i++) {
        const sent = Date.now();
        const res = await r.call('PATCH', `/v1/webhooks/${w.id}`, {
          token,
          body: { description: `change ${i}` },
        });
        expect(res.status).toBe(200);
        await pollUntil(() => arrived.has(i), {
          intervalMs: 2,
          message: `version ${i} on the topic`,
        });
        latencies.push(arrived.get(i)! - sent);
      }
      latencies.sort((x, y) => x - y);
      const pct = (p: number) =>
        latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
      process.stdout.write(
        `changelog: request-to-consumer latency over ${latencies.length} PATCHes (includes the HTTP call and the commit): ` +
          `p50 ${pct(0.5)} ms, p95 ${pct(0.95)} ms, max ${latencies.at(-1)} ms\n`,
      );
    } finally {
      await consumer.disconnect();
    }
  });
});
