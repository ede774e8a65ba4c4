import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions, type MIGRATIONS } from '@hookline/persistence';
import { testStackEnv, uniqueName } from './test-stack';

/**
 * An empty database of the test stack for a migration's test: `create` it, `migrate` it up to the
 * migration before the one under test, write rows as the code before did, then `migrate` once
 * more (or undo the last) as an upgrade (or a rollback) would.
 */
export function migrationDatabase(prefix: string) {
  const stack = testStackEnv();
  const name = uniqueName(prefix).toLowerCase();
  const url = new URL(stack.adminDatabaseUrl);
  url.pathname = `/${name}`;
  const admin = async (sql: string) => {
    const c = new Client({ connectionString: stack.adminDatabaseUrl });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  return {
    url: url.toString(),
    create: () => admin(`create database "${name}"`),
    drop: () => admin(`drop database if exists "${name}" with (force)`),
    /** Runs `migrations` not yet run; with `undoLast`, undoes the last of them instead. */
    async migrate(migrations: typeof MIGRATIONS, undoLast = false): Promise<void> {
      const ds = new DataSource({
        ...dataSourceOptions({ url: url.toString(), poolSize: 1 }),
        migrations,
      });
      await ds.initialize();
      try {
        if (undoLast) await ds.undoLastMigration({ transaction: 'all' });
        else await ds.runMigrations({ transaction: 'all' });
      } finally {
        await ds.destroy();
      }
    },
  };
}
