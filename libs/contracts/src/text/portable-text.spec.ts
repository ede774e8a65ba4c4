import { z } from 'zod';
import { EventEnvelopeSchema } from '../envelope/event-envelope';
import {
  MAX_JSON_DEPTH,
  clipText,
  findUnportableText,
  refuseUnportableText,
  unportableTextReason,
} from './portable-text';

describe('clipText', () => {
  it('should keep text within the bound as it is, and cut longer text to the bound', () => {
    expect(clipText('abc', 3)).toBe('abc');
    expect(clipText('abcdef', 4)).toBe('abcd');
    expect(clipText('abcdef', 4, '…')).toBe('abc…');
  });

  it('should cut before a surrogate pair the bound falls in, never between its halves', () => {
    expect(clipText('ab🎉c', 3)).toBe('ab');
    expect(clipText('ab🎉c', 4)).toBe('ab🎉');
    expect(clipText('ab🎉cd', 4, '…')).toBe('ab…');
    expect(unportableTextReason(clipText('🎉'.repeat(10), 7))).toBeUndefined();
  });
});

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

  it('should accept MAX_JSON_DEPTH levels of nesting and refuse one more, in objects and arrays', () => {
    const nest = (levels: number, asObject: boolean) => {
      let value: unknown = 'leaf';
      for (let i = 0; i < levels; i++) value = asObject ? { k: value } : [value];
      return value;
    };
    for (const asObject of [false, true]) {
      expect(findUnportableText(nest(MAX_JSON_DEPTH, asObject))).toEqual([]);
      expect(findUnportableText(nest(MAX_JSON_DEPTH + 1, asObject))).toHaveLength(1);
    }
  });

  it('should find a bad string or key wherever it sits among clean ones', () => {
    const clean = () => ({ a: 'x', list: [1, true, null, { b: 'y', c: ['z', 2.5] }], d: {} });
    const spots: ((v: ReturnType<typeof clean>) => void)[] = [
      (v) => (v.a = '\uD800'),
      (v) => ((v.list[3] as { c: unknown[] }).c[0] = 'z\u0000'),
      (v) => ((v.list[3] as Record<string, unknown>)['k\uDFFF'] = 1),
      (v) => ((v.d as Record<string, unknown>)['\u0000'] = 'x'),
    ];
    expect(findUnportableText(clean())).toEqual([]);
    for (const spoil of spots) {
      const value = clean();
      spoil(value);
      expect(findUnportableText(value)).toHaveLength(1);
    }
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
