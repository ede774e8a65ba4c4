import type { OperationalEvent } from '@hookline/contracts';
import { createLogger } from '@hookline/telemetry';
import { ThrottleEventAnnouncer } from './throttle-event.announcer';

describe(ThrottleEventAnnouncer.name, () => {
  const a = { id: 'wh_a', projectId: 'prj_a' };
  const b = { id: 'wh_b', projectId: 'prj_b' };
  let now: number;
  let sent: { topic: string; key: string; event: OperationalEvent }[];
  let sut: ThrottleEventAnnouncer;

  beforeEach(() => {
    now = 1_000_000;
    sent = [];
    sut = new ThrottleEventAnnouncer({
      publisher: {
        send: (topic, m) => {
          sent.push({
            topic,
            key: String(m.key),
            event: JSON.parse(String(m.value)) as OperationalEvent,
          });
          return Promise.resolve();
        },
      },
      topic: 'hookline.operational',
      log: createLogger('test', 'silent'),
      quietMs: 60_000,
      now: () => now,
    });
  });

  it('should announce the first hold of a backlog, once, however many tasks it holds and for how long', () => {
    sut.held(a, 10, now + 100);
    // A backlog fed for five minutes: a task held every second, never a minute without one.
    for (let i = 0; i < 300; i++) {
      now += 1000;
      sut.held(a, 10, now + 100 * i);
    }
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      topic: 'hookline.operational',
      key: 'prj_a',
      event: {
        event: 'webhook.throttled',
        project_id: 'prj_a',
        data: {
          webhook_id: 'wh_a',
          throttle_per_second: 10,
          held_until: new Date(1_000_100).toISOString(),
        },
      },
    });
  });

  it('should announce a new backlog after a quiet period, and each webhook on its own', () => {
    sut.held(a, 5, now + 200);
    now += 1000;
    sut.held(b, 5, now + 200);
    now += 58_000;
    sut.held(a, 5, now + 200); // 59 s after a's last hold: the same backlog
    now += 60_000;
    sut.held(a, 5, now + 200); // a minute without a hold: a new one
    expect(sent.map((s) => [s.key, s.event.data.webhook_id])).toEqual([
      ['prj_a', 'wh_a'],
      ['prj_b', 'wh_b'],
      ['prj_a', 'wh_a'],
    ]);
  });
});
