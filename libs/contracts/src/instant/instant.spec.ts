import { instant, isStorableInstant } from './instant';

describe('instant', () => {
  const schema = instant();

  it.each([
    '2026-11-22T15:46:13Z',
    '2026-11-22T15:46:13.123456Z',
    '2026-11-22T15:46:13+05:30',
    '2026-11-22T15:46:13-12:00',
    '2026-11-22T15:46:13+15:59',
    '0001-01-01T00:00:00Z',
    '9999-12-31T23:59:59.999Z',
  ])('takes %s', (value) => {
    expect(schema.safeParse(value)).toEqual({ success: true, data: value });
  });

  it.each([
    ['the year 0', '0000-01-01T00:00:00Z'],
    ['an offset that moves it into the year 0', '0001-01-01T00:00:00+01:00'],
    ['an offset that moves it into the year 10000', '9999-12-31T23:59:59-05:00'],
    ['an offset Postgres refuses', '2026-11-22T15:46:13+16:00'],
    ['the largest offset ISO 8601 allows', '2026-11-22T15:46:13-23:59'],
    ['no offset', '2026-11-22T15:46:13'],
    ['a date alone', '2026-11-22'],
    ['a NUL', '2026-11-22T15:46:13Z\u0000'],
    ['a lone surrogate', '2026-11-22T15:46:13\ud800Z'],
    ['text', 'yesterday'],
  ])('refuses %s with a message that says what it takes', (_, value) => {
    const result = schema.safeParse(value);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/ISO 8601 date-time .*0001 to 9999/);
  });

  it('says whether Postgres stores a time as written', () => {
    expect(isStorableInstant('2026-11-22T15:46:13+14:00')).toBe(true);
    expect(isStorableInstant('0000-12-31T23:00:00.000Z')).toBe(false);
    expect(isStorableInstant('+010000-01-01T04:59:59.000Z')).toBe(false);
  });
});
