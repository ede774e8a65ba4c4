import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';

/**
 * Runs a statement as a named prepared statement of the pool's connections: parsed, analysed and
 * planned once per connection instead of on every call (on a generic plan: see dataSourceOptions).
 * For the hottest statements only, those whose planning is a large part of their cost (the
 * delivery log's flush touches four tables, two of them partitioned). Errors are pg's own
 * (DatabaseError, with the SQLSTATE `code`), as through DataSource.query.
 */
export async function queryPrepared<T = unknown>(
  dataSource: DataSource,
  name: string,
  text: string,
  values: unknown[],
): Promise<T[]> {
  // TypeORM's Postgres driver keeps its pg Pool as `master`.
  const pool = (dataSource.driver as unknown as { master: Pool }).master;
  const result = await pool.query({ name, text, values });
  return result.rows as T[];
}
