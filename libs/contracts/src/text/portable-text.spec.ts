import { z } from 'zod';
import { EventEnvelopeSchema } from '../envelope/event-envelope';
import {
  MAX_JSON_DEPTH,
  findUnportableText,
  refuseUnportableText,
  unportableTextReason,
} from './portable-text';

describe('unportableTextReason', () => {
  it('should accept ordinary text, emoji (a surrogate pair) and U+FFFD', () => {
    expect(unportableTextReason('héllo 🎉 \uFFFD')).toBeUndefined();
  });

  it('should refuse NUL and unpaired surrogates, leading or trailing', () => {
    expect(unportableTextReason('a\u0000b')).toMatch(/NUL/);
    expect(unportableTextReason('\uD800x')).toMatch(/surrogate/);
    expect(unportableTextReason('x\uDFFF')).toMatch(/surrogate/);
    expect(unportableTextReason('\uDE00\uD83C')).toMatch(/surrogate/);
  });
});

describe('findUnportableText', () => {
  it('should name every bad string by its path, keys included, keys first', () => {
    const value = {
      ok: 'fine',
      items: [{ name: 'a' }, { name: 'b' }, { name: 'c\u0000' }],
      'bad\u0000key': 1,
      deep: { list: ['\uD800'] },
    };
    expect(findUnportableText(value, ['data'])).toEqual([
      { path: ['data', 'bad\uFFFDkey'], message: expect.stringMatching(/^key .*NUL/) },
      { path: ['data', 'items', 2, 'name'], message: expect.stringMatching(/NUL/) },
      { path: ['data', 'deep', 'list', 0], message: expect.stringMatching(/surrogate/) },
    ]);
  });

  it('should refuse a value nested 10,000 levels deep without overflowing the stack', () => {
    let value: unknown = 'leaf';
    for (let i = 0; i < 10_000; i++) value = [value];
    const issues = findUnportableText(value);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toHaveLength(MAX_JSON_DEPTH);
    expect(issues[0]!.message).toMatch(/nest deeper/);
  });
});

describe('refuseUnportableText', () => {
  it('should add one zod issue per bad string', () => {
    const schema = z.record(z.string(), z.unknown()).superRefine(refuseUnportableText);
    const result = schema.safeParse({ a: ['x', 'y\u0000'] });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path)).toEqual([['a', 1]]);
  });
});

describe('EventEnvelopeSchema', () => {
  const envelope = {
    id: 'evt_1',
    project_id: 'prj_1',
    event: 'project.updated',
    occurred_at: '2026-12-01T00:00:00Z',
    data: { name: 'ok' },
  };

  it('should accept an envelope of portable text', () => {
    expect(EventEnvelopeSchema.safeParse(envelope).success).toBe(true);
  });

  it('should refuse NUL or an unpaired surrogate anywhere, so consumers dead-letter the event', () => {
    for (const data of [{ name: 'a\u0000' }, { nested: { list: ['\uDC00'] } }, { 'k\u0000': 1 }]) {
      const result = EventEnvelopeSchema.safeParse({ ...envelope, data });
      expect(result.success).toBe(false);
      expect(result.error!.issues[0]!.path[0]).toBe('data');
    }
    expect(EventEnvelopeSchema.safeParse({ ...envelope, id: 'evt_\uD800' }).success).toBe(false);
  });
});
