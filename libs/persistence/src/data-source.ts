import 'reflect-metadata';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';
import { ADVISORY_LOCKS } from './advisory-locks';

export interface DataSourceSettings {
  url: string;
  /** Pool size per process. */
  poolSize?: number;
  applicationName?: string;
}

/**
 * Named statements (queryPrepared) run on a generic plan, made once per connection. Left to
 * choose, Postgres planned the dispatcher's settled lookup again on every call, for ever: it
 * prices the generic plan of `unnest($1)` at ten rows and the custom plan of a one-task batch at
 * one, so the custom plan always looked cheaper, and planning it (the delivery log's partitions)
 * took 0.3 of its 0.5 ms. Only named statements are affected; TypeORM's queries are unnamed and
 * planned on each call anyway. PGOPTIONS, if set, still applies (a URL's own `options` replaces
 * this).
 */
const GENERIC_PLANS = '-c plan_cache_mode=force_generic_plan';

export function dataSourceOptions(settings: DataSourceSettings): DataSourceOptions {
  return {
    type: 'postgres',
    url: settings.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    // Schema changes happen only through migration files.
    synchronize: false,
    migrationsRun: false,
    migrationsTransactionMode: 'all',
    // Off: TypeORM's own logger prints a failed query with its parameters (event data, secrets'
    // ciphertexts) to the console. Callers log the thrown error through the redacting logger.
    logging: false,
    extra: {
      max: settings.poolSize ?? 10,
      application_name: settings.applicationName ?? 'hookline',
      connectionTimeoutMillis: 5000,
      options: [process.env.PGOPTIONS, GENERIC_PLANS].filter(Boolean).join(' '),
    },
  };
}

export function createDataSource(settings: DataSourceSettings): DataSource {
  return new DataSource(dataSourceOptions(settings));
}

const MIGRATION_LOCK = ADVISORY_LOCKS.migrations;

/** Runs pending migrations; safe when several services start at once. */
export async function runMigrations(url: string): Promise<string[]> {
  const ds = createDataSource({ url, poolSize: 2, applicationName: 'hookline-migrate' });
  await ds.initialize();
  const runner = ds.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const ran = await ds.runMigrations({ transaction: 'all' });
    return ran.map((m) => m.name);
  } finally {
    await runner.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await runner.release();
    await ds.destroy();
  }
}

/** The TypeORM CLI entry (`typeorm -d libs/persistence/src/data-source.ts`). */
export default createDataSource({
  url: process.env.DATABASE_URL ?? 'postgres://postgres:hookline@127.0.0.1:54320/hookline',
});
