import type { KafkaMessage } from 'kafkajs';
import {
  BRIEF_PAYLOADS,
  BUILT_IN_EXAMPLES,
  EventTypeCatalog,
  KafkaHeaders,
  decodeDeliveryTask,
  type EventEnvelope,
} from '@hookline/contracts';
import { EventRouter } from './event-router';
import { SubscriptionIndex } from './subscription-index';

const topics = { events: 'e', deliveries: 'd', eventsDlq: 'e.dlq' };

function message(envelope: Partial<EventEnvelope>): KafkaMessage {
  const value = JSON.stringify({
    id: 'evt_1',
    project_id: 'prj_1',
    occurred_at: '2026-11-22T15:46:13.323Z',
    ...envelope,
  });
  return {
    key: Buffer.from('prj_1'),
    value: Buffer.from(value),
    offset: '7',
    timestamp: '0',
    attributes: 0,
    headers: {},
  } as KafkaMessage;
}

describe(EventRouter.name, () => {
  let sut: EventRouter;

  beforeEach(() => {
    const index = new SubscriptionIndex();
    index.update(
      'wh_all',
      undefined,
      index.subscriptionOf({
        id: 'wh_all',
        project_id: 'prj_1',
        url: 'https://example.com/',
        events: ['*'],
        active: true,
      } as never),
    );
    sut = new EventRouter(index, topics);
  });

  const reasonOf = (m: KafkaMessage) => {
    const routed = sut.route(m, 0);
    expect(routed.outcome).toBe('dead_lettered');
    expect(routed.messages.map((x) => x.topic)).toEqual([topics.eventsDlq]);
    return String(routed.messages[0]!.message.headers![KafkaHeaders.dlqReason]);
  };

  it("should stamp every task with the time of the event's record, the same when the record is read again", () => {
    const record = {
      ...message({
        event: 'project.updated',
        data: { project_id: 'prj_1', name: 'Demo', tier: 'pro', region: 'eu-west-1' },
      }),
      timestamp: '1764633599999',
    };
    const bornOf = (m: KafkaMessage) =>
      sut.route(m, 0).messages.map((x) => decodeDeliveryTask(String(x.message.value)).created_at);
    expect(bornOf(record)).toEqual(['2025-12-01T23:59:59.999Z']);
    expect(bornOf({ ...record })).toEqual(bornOf(record));
    // A producer's broken clock: no stamp (the log falls back to the attempt's time).
    for (const timestamp of ['0', '-1', '99999999999999999', 'x'])
      expect(bornOf({ ...record, timestamp })).toEqual([undefined]);
  });

  it('should fan out a catalog event whose data fits its schema', () => {
    const routed = sut.route(
      message({
        event: 'project.updated',
        data: { project_id: 'prj_1', name: 'Demo', tier: 'pro', region: 'eu-west-1' },
      }),
      0,
    );
    expect(routed.outcome).toBe('fanned_out');
    expect(routed.messages.map((x) => x.message.key)).toEqual(['wh_all']);
    routed.span?.end();
  });

  it("should dead-letter an event whose tasks would leave less than TASK_GROWTH_BYTES under the task topics' limit", () => {
    sut.maxTaskBytes = 64 * 1024;
    const of = (chars: number) =>
      message({
        event: 'project.updated',
        // Multi-byte text: the limit is in bytes, not characters.
        data: { project_id: 'prj_1', name: 'é'.repeat(chars), tier: 'pro', region: 'eu' },
      });
    const fits = sut.route(of(20_000), 0); // ~40 KB
    expect(fits.outcome).toBe('fanned_out');
    fits.span?.end();
    // ~58 KB of tasks (29,000 characters): under the limit, but a retry could take it over.
    expect(reasonOf(of(29_000))).toMatch(/^too_large: /);
  });

  it.each(BRIEF_PAYLOADS)(
    "should fan out the brief's documented $event payload, with a field it does not know, as sent",
    (p) => {
      const data = { ...p.data, added_later: { any: ['shape'] } };
      const routed = sut.route(message({ event: p.event, data }), 0);
      expect(routed.outcome).toBe('fanned_out');
      expect(decodeDeliveryTask(routed.messages[0]!.message.value as string).event.data).toEqual(
        data,
      );
    },
  );

  it('should fan out a type added to the catalog as data, checked against its JSON Schema', () => {
    const catalog = new EventTypeCatalog();
    const index = new SubscriptionIndex();
    const sub = { id: 'wh_all', project_id: 'prj_1', events: ['*'], active: true } as never;
    index.update('wh_all', undefined, index.subscriptionOf(sub));
    const router = new EventRouter(index, topics, undefined, catalog);
    const event = { event: 'deployment.completed', data: { site_id: 'cm1', added: 1 } };
    expect(router.route(message(event), 0).outcome).toBe('dead_lettered');

    catalog.apply({
      name: 'deployment.completed',
      description: 'The deployment succeeded.',
      schema: {
        type: 'object',
        properties: { site_id: { type: 'string' } },
        required: ['site_id'],
      },
      example: { site_id: 'cm1' },
      version: 1,
      deprecated: false,
      built_in: false,
      updated_at: '2026-12-01T00:00:00.000Z',
    });
    const routed = router.route(message(event), 0);
    expect(routed.outcome).toBe('fanned_out');
    expect(decodeDeliveryTask(routed.messages[0]!.message.value as string).event.data).toEqual(
      event.data,
    );
    const bad = router.route(message({ event: 'deployment.completed', data: { site_id: 7 } }), 0);
    expect(bad.reason).toMatch(/^schema: data\.site_id: /);
  });

  it('should dead-letter an event type the catalog does not know, before any `*` subscriber sees it', () => {
    expect(reasonOf(message({ event: 'totally.made.up', data: {} }))).toMatch(/^unknown_type: /);
  });

  it('should dead-letter platform types published by a producer (no forged webhook.disabled)', () => {
    expect(
      reasonOf(message({ event: 'webhook.disabled', data: { webhook_id: 'wh_x', reason: 'x' } })),
    ).toMatch(/^platform_type: /);
    expect(reasonOf(message({ event: 'webhook.ping', data: { message: 'hi' } }))).toMatch(
      /^platform_type: /,
    );
  });

  it("should dead-letter data that does not fit its type's schema, naming the field", () => {
    expect(
      reasonOf(message({ event: 'project.member.created', data: { project_id: 'p', email: 'x' } })),
    ).toMatch(/^schema: data\.user_id: /);
  });

  describe('platform events (hookline.operational)', () => {
    const platform = () => {
      const index = new SubscriptionIndex();
      for (const [id, events] of [
        ['wh_ops', ['webhook.disabled', 'delivery.dead']],
        ['wh_other', ['ignite.*']],
        ['wh_all_webhook', ['webhook.*']],
      ] as const) {
        index.update(
          id,
          undefined,
          index.subscriptionOf({ id, project_id: 'prj_1', events, active: true } as never),
        );
      }
      return new EventRouter(index, topics, undefined, new EventTypeCatalog(), 'platform');
    };

    it('should deliver an operational event to the webhooks subscribed to its type, as an envelope', () => {
      const routed = platform().route(
        message({ event: 'webhook.disabled', data: { webhook_id: 'wh_x', reason: 'manual' } }),
        0,
      );
      expect(routed.outcome).toBe('fanned_out');
      const task = decodeDeliveryTask(String(routed.messages[0]!.message.value));
      expect(
        routed.messages.map((m) => decodeDeliveryTask(String(m.message.value)).webhook_id),
      ).toEqual(expect.arrayContaining(['wh_ops', 'wh_all_webhook']));
      expect(task.event).toMatchObject({ event: 'webhook.disabled', project_id: 'prj_1' });
    });

    it.each([
      'webhook.circuit_opened',
      'webhook.circuit_closed',
      'webhook.throttled',
      'webhook.verification_failed',
    ] as const)('should deliver %s, its catalog example, to a webhook.* subscriber', (type) => {
      const routed = platform().route(message({ event: type, data: BUILT_IN_EXAMPLES[type] }), 0);
      expect(routed.outcome).toBe('fanned_out');
      expect(
        routed.messages.map((m) => decodeDeliveryTask(String(m.message.value)).webhook_id),
      ).toEqual(['wh_all_webhook']);
    });

    it('should not deliver the death of an operational delivery (no endless chain)', () => {
      const dead = (eventType: string) =>
        message({
          event: 'delivery.dead',
          data: {
            webhook_id: 'wh_x',
            delivery_id: 'msg_1',
            event_id: 'evt_0',
            event_type: eventType,
            attempts: 6,
            last_error: 'HTTP 500',
          },
        });
      expect(platform().route(dead('ignite.deployment.created'), 0).messages).toHaveLength(1);
      for (const type of ['delivery.dead', 'webhook.disabled', 'webhook.enabled']) {
        const routed = platform().route(dead(type), 0);
        expect(routed.outcome).toBe('unmatched');
        expect(routed.messages).toEqual([]);
      }
    });

    it('should dead-letter a message that is not an operational event', () => {
      const routed = platform().route(message({ event: 'project.updated', data: {} }), 0);
      expect(routed.outcome).toBe('dead_lettered');
    });
  });
});
