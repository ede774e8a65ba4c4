import { decodeDeliveryTask, encodeDeliveryTask } from './codec';
import { EVENT as event } from './event.fixture';

describe('encodeDeliveryTask', () => {
  it('should round-trip through decodeDeliveryTask', () => {
    const text = encodeDeliveryTask(
      { delivery_id: 'msg_1', webhook_id: 'wh_1', attempt: 1 },
      JSON.stringify(event),
    );
    expect(decodeDeliveryTask(text)).toEqual({
      delivery_id: 'msg_1',
      webhook_id: 'wh_1',
      attempt: 1,
      event,
    });
  });

  it('should decode every task in one shape, keeping every field it carries', () => {
    const full = {
      delivery_id: 'msg_1',
      webhook_id: 'wh_1',
      attempt: 3,
      not_before: '2026-11-22T15:47:13.323Z',
      manual: true,
      last_error: 'HTTP 500',
      chain: 1764000000000,
      throttle_slot: true as const,
      created_at: '2026-11-22T15:46:13.323Z',
    };
    const first = { delivery_id: 'msg_2', webhook_id: 'wh_1', attempt: 1 };
    const decodedFull = decodeDeliveryTask(encodeDeliveryTask(full, JSON.stringify(event)));
    const decodedFirst = decodeDeliveryTask(encodeDeliveryTask(first, JSON.stringify(event)));
    expect(decodedFull).toEqual({ ...full, event });
    // The same keys in the same order, whatever the task carried; absent ones undefined...
    expect(Object.keys(decodedFirst)).toEqual(Object.keys(decodedFull));
    expect(decodedFirst.not_before).toBeUndefined();
    // ...which JSON leaves out, so a decoded task is written back as it came.
    expect(JSON.parse(JSON.stringify(decodedFirst))).toEqual({ ...first, event });
    expect(JSON.parse(JSON.stringify(decodedFull))).toEqual({ ...full, event });
  });
});
