import type { KafkaMessage } from 'kafkajs';
import { KafkaHeaders, deliveryId, type DeliveryTask } from '@hookline/contracts';
import { eventEnvelope } from '@hookline/testing';
import { readDlqEntry, replayMessage, selects, type DlqEntry } from './dlq-entry';

const event = eventEnvelope({ id: 'evt_1', event: 'project.updated' });
const dead: DeliveryTask = {
  delivery_id: deliveryId(event.id, 'wh_a'),
  webhook_id: 'wh_a',
  attempt: 6,
  not_before: '2026-11-22T10:00:00.000Z',
  last_error: 'HTTP 500',
  event,
};

function message(
  value: string,
  headers: Record<string, string>,
  timestamp = '1763805600000',
): KafkaMessage {
  return {
    key: Buffer.from('wh_a'),
    value: Buffer.from(value),
    headers,
    timestamp,
    offset: '7',
    attributes: 0,
  } as KafkaMessage;
}

const entry = (webhookId: string, failedAt: string): DlqEntry => ({
  partition: 0,
  offset: '0',
  task: { ...dead, webhook_id: webhookId },
  failedAt: new Date(failedAt),
  headers: {},
});

describe(readDlqEntry.name, () => {
  it('should take the failure time from the dlq header', () => {
    const e = readDlqEntry(
      2,
      message(JSON.stringify(dead), { [KafkaHeaders.dlqFailedAt]: '2026-11-22T11:00:00.000Z' }),
    );
    expect(e).toMatchObject({
      partition: 2,
      offset: '7',
      task: dead,
      failedAt: new Date('2026-11-22T11:00:00.000Z'),
    });
  });

  it('should fall back to the message timestamp without a usable header', () => {
    expect(readDlqEntry(0, message(JSON.stringify(dead), {}))!.failedAt).toEqual(
      new Date(1763805600000),
    );
    expect(
      readDlqEntry(0, message(JSON.stringify(dead), { [KafkaHeaders.dlqFailedAt]: 'soon' }))!
        .failedAt,
    ).toEqual(new Date(1763805600000));
  });

  it('should answer undefined for a value that is not a delivery task', () => {
    expect(readDlqEntry(0, message('{not json', {}))).toBeUndefined();
    expect(
      readDlqEntry(0, message(JSON.stringify({ ...dead, webhook_id: 'x' }), {})),
    ).toBeUndefined();
  });
});

describe(selects.name, () => {
  it('should narrow by webhook and by a range that includes since and excludes until', () => {
    const filter = {
      webhookIds: ['wh_a'],
      since: new Date('2026-11-22T10:00:00Z'),
      until: new Date('2026-11-22T11:00:00Z'),
    };
    expect(selects(filter, entry('wh_a', '2026-11-22T10:00:00Z'))).toBe(true);
    expect(selects(filter, entry('wh_a', '2026-11-22T10:59:59.999Z'))).toBe(true);
    expect(selects(filter, entry('wh_a', '2026-11-22T11:00:00Z'))).toBe(false);
    expect(selects(filter, entry('wh_a', '2026-11-22T09:59:59.999Z'))).toBe(false);
    expect(selects(filter, entry('wh_b', '2026-11-22T10:30:00Z'))).toBe(false);
    expect(selects({ webhookIds: [] }, entry('wh_b', '2000-01-01T00:00:00Z'))).toBe(true);
  });
});

describe(replayMessage.name, () => {
  it('should start a new chain of the same delivery, keeping the trace and the event type only', () => {
    const headers = {
      [KafkaHeaders.traceparent]: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      [KafkaHeaders.tracestate]: 'vendor=1',
      [KafkaHeaders.lastError]: 'HTTP 500',
      [KafkaHeaders.dlqReason]: 'retries_exhausted',
      [KafkaHeaders.dlqFailedAt]: '2026-11-22T11:00:00.000Z',
      [KafkaHeaders.notBefore]: '1763805600000',
    };
    const out = replayMessage(
      readDlqEntry(0, message(JSON.stringify({ ...dead, manual: true }), headers))!,
    );
    expect(out.key).toBe('wh_a');
    expect(JSON.parse(out.value as string)).toEqual({
      delivery_id: dead.delivery_id,
      webhook_id: 'wh_a',
      attempt: 1,
      chain: expect.any(Number),
      event,
    });
    expect(out.headers).toEqual({
      [KafkaHeaders.traceparent]: headers[KafkaHeaders.traceparent],
      [KafkaHeaders.tracestate]: 'vendor=1',
      [KafkaHeaders.eventType]: 'project.updated',
    });
  });
});
