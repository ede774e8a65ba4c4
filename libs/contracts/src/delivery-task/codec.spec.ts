import { decodeDeliveryTask, encodeDeliveryTask } from './codec';

describe('encodeDeliveryTask', () => {
  it('should round-trip through decodeDeliveryTask', () => {
    const event = {
      id: 'evt_1',
      project_id: 'prj_1',
      event: 'project.updated',
      occurred_at: '2026-11-22T15:46:13.323Z',
      data: { a: 1 },
    };
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
});
