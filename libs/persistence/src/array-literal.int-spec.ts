import type { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '@hookline/testing';
import { arrayLiteral } from './array-literal';
import { createDataSource } from './data-source';

// Postgres reads each literal as the same array as pg's own serialisation of the JS array.
describe(arrayLiteral.name, () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('array_literal');
    ds = createDataSource({ url: db.url, poolSize: 1, applicationName: 'array-literal-test' });
    await ds.initialize();
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  const same = async (values: unknown[], type: string) => {
    const [row] = (await ds.query(
      `select $1::${type}[] as ours, $2::${type}[] as pgs, $1::${type}[] is not distinct from $2::${type}[] as same`,
      [arrayLiteral(values as (string | number | null)[]), values],
    )) as { ours: unknown; pgs: unknown; same: boolean }[];
    expect(row!.ours).toEqual(row!.pgs);
    expect(row!.same).toBe(true);
  };

  it('should write text as pg does, whatever it holds', () =>
    same(
      [
        'plain',
        '',
        'NULL',
        'null',
        null,
        'with "quotes" and \\ backslashes \\"',
        '{braces},commas, and spaces ',
        ' leading and trailing ',
        'new\nline\ttab\r',
        'ünïcødé 🚀 \u2028',
        '\\',
        '"',
        '{"json": ["array", 1, null]}',
        '{1,2,3}',
      ],
      'text',
    ));

  it('should write numbers and nulls as pg does', async () => {
    await same([1, 0, -7, 2147483647, null], 'int');
    await same(['123456789012', null, '-1'], 'bigint');
  });

  it('should write times as pg does', () =>
    same(['2026-12-05T10:00:00.123Z', null, '1970-01-01T00:00:00.000Z'], 'timestamptz'));

  it('should write an empty array', () => same([], 'text'));
});
