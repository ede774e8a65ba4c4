import { eventEnvelope, succeededAttempt } from '@hookline/testing';
import type { AttemptRecord } from './delivery-log.repository';
import { eventColumns, eventKey } from './published-event.mapper';

describe(eventColumns.name, () => {
  const first = (deliveryId: string, eventId: string, projectId = 'prj_a'): AttemptRecord =>
    succeededAttempt({
      deliveryId,
      projectId,
      event: eventEnvelope({ id: eventId, project_id: projectId }),
    });
  const ids = (columns: unknown[]) => columns[1] as string[];

  it('should give one record per event of the batch, from first attempts only', () => {
    const rows = [
      first('msg_1', 'evt_a'),
      first('msg_2', 'evt_a'),
      { ...first('msg_3', 'evt_b'), attempt: 2 },
      { ...first('msg_4', 'evt_c'), trigger: 'redeliver' as const },
      first('msg_5', 'evt_d'),
    ];
    const { columns, keys } = eventColumns(rows, new Set());
    expect(ids(columns)).toEqual(['evt_a', 'evt_d']);
    expect(keys).toEqual([eventKey('prj_a', 'evt_a'), eventKey('prj_a', 'evt_d')]);
  });

  // An event's other deliveries (one per webhook) are logged in later batches: what this process
  // has already written is not sent again for Postgres to refuse as a conflict.
  it('should leave out the events already written', () => {
    const rows = [
      first('msg_1', 'evt_a'),
      first('msg_2', 'evt_b'),
      first('msg_3', 'evt_a', 'prj_b'),
    ];
    const { columns, keys } = eventColumns(rows, new Set([eventKey('prj_a', 'evt_a')]));
    expect(ids(columns)).toEqual(['evt_b', 'evt_a']);
    expect(columns[0]).toEqual(['prj_a', 'prj_b']);
    expect(keys).toEqual([eventKey('prj_a', 'evt_b'), eventKey('prj_b', 'evt_a')]);
  });

  // The producer's time as it came, in UTC, when Postgres stores it; else the attempt's.
  it.each([
    ['1850-06-01T12:00:00Z', '1850-06-01T12:00:00.000Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z'],
    ['2026-11-22T15:46:13+14:00', '2026-11-22T01:46:13.000Z'],
    ['2026-11-22T15:46:13-23:59', '2026-11-23T15:45:13.000Z'],
    ['0000-01-01T00:00:00Z', null],
    ['9999-12-31T23:59:59-05:00', null],
  ])(
    "should record an event that occurred at %s as %s (null: the attempt's time)",
    (occurredAt, recorded) => {
      const row = first('msg_1', 'evt_t');
      row.event = { ...row.event, occurred_at: occurredAt };
      const { columns } = eventColumns([row], new Set());
      expect(columns[3]).toEqual([recorded ?? row.startedAt.toISOString()]);
    },
  );
});
