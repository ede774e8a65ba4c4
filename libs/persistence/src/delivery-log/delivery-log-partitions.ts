import type { DataSource, EntityManager } from 'typeorm';
import { ADVISORY_LOCKS } from '../advisory-locks';

const DAY_MS = 86_400_000;

/** The partitioned tables of the delivery log and their partition key. */
const TABLES = [
  { parent: 'deliveries', key: 'created_at' },
  { parent: 'delivery_attempts', key: 'delivery_created_at' },
] as const;

/**
 * How long DDL on the log waits for its lock before giving up until the next run. Attaching and
 * dropping a partition lock out the log's readers for as long as they wait (the default
 * partition rules out DETACH … CONCURRENTLY), so never long.
 */
const LOCK_TIMEOUT = '2s';

/** `deliveries_p20261202`: the partition of one UTC day. */
export function partitionName(parent: string, day: Date): string {
  return `${parent}_p${day.toISOString().slice(0, 10).replaceAll('-', '')}`;
}

/** The UTC day a partition name stands for; null for another table (the default partition). */
function dayOf(name: string): Date | null {
  const m = /_p(\d{4})(\d{2})(\d{2})$/.exec(name);
  return m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
}

/** SQLSTATE of a lock not had within lock_timeout. */
const LOCK_NOT_AVAILABLE = '55P03';

const startOfDay = (t: Date) => new Date(Math.floor(t.getTime() / DAY_MS) * DAY_MS);

/**
 * The daily partitions of `deliveries` and `delivery_attempts` (see the migration
 * PartitionedDeliveryLog): created ahead of the days they hold, dropped whole once older than
 * the retention. Several processes may call both at once: one advisory lock serialises the
 * DDL, and each step is idempotent.
 */
export class DeliveryLogPartitions {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Makes sure the days from yesterday to `daysAhead` days after `now` have their partitions;
   * answers the partitions created. Rows of such a day already in the default partition (born
   * while the day had none) move into the new partition as it is attached.
   */
  async ensure(now = new Date(), daysAhead = 3): Promise<string[]> {
    const wanted: { parent: string; key: string; day: Date; name: string }[] = [];
    for (let i = -1; i <= daysAhead; i++) {
      const day = new Date(startOfDay(now).getTime() + i * DAY_MS);
      for (const t of TABLES) wanted.push({ ...t, day, name: partitionName(t.parent, day) });
    }
    // Most calls find every partition there: a catalog read, no lock.
    if ((await this.missing(wanted.map((w) => w.name))).length === 0) return [];

    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    const created: string[] = [];
    try {
      await runner.startTransaction();
      await runner.query(`set local lock_timeout = '${LOCK_TIMEOUT}'`);
      await runner.query('select pg_advisory_xact_lock($1)', [
        ADVISORY_LOCKS.deliveryLogPartitions,
      ]);
      const missing = new Set(
        await this.missing(
          wanted.map((w) => w.name),
          runner.manager,
        ),
      );
      for (const w of wanted) {
        if (!missing.has(w.name)) continue;
        const from = w.day.toISOString();
        const to = new Date(w.day.getTime() + DAY_MS).toISOString();
        // Built beside the table, then attached: ATTACH locks the parent far more lightly than
        // CREATE … PARTITION OF, so the writers and the console keep going meanwhile.
        await runner.query(
          `create table ${w.name} (like ${w.parent} including defaults including constraints)`,
        );
        await this.copyStatisticsTargets(runner.manager, w.parent, w.name);
        await runner.query(
          `with moved as (delete from ${w.parent}_default where ${w.key} >= $1 and ${w.key} < $2 returning *)
           insert into ${w.name} select * from moved`,
          [from, to],
        );
        await runner.query(
          `alter table ${w.parent} attach partition ${w.name} for values from ('${from}') to ('${to}')`,
        );
        created.push(w.name);
      }
      await runner.commitTransaction();
      return created;
    } catch (e) {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      throw e;
    } finally {
      await runner.release();
    }
  }

  /**
   * Drops the daily partitions wholly older than `cutoff` (their day ended at or before it):
   * the attempts' and the deliveries' of a day go together. A drop that cannot get its lock
   * soon (a long query on the log) is left for the next run. Answers the partitions dropped.
   */
  async dropOlderThan(cutoff: Date, manager?: EntityManager): Promise<string[]> {
    const m = manager ?? this.dataSource.manager;
    const dropped: string[] = [];
    for (const { name } of await this.list(m)) {
      const day = dayOf(name);
      if (!day || day.getTime() + DAY_MS > cutoff.getTime()) continue;
      try {
        await m.transaction(async (tx) => {
          await tx.query(`set local lock_timeout = '${LOCK_TIMEOUT}'`);
          await tx.query(`drop table if exists ${name}`);
        });
      } catch (e) {
        if ((e as { code?: string }).code === LOCK_NOT_AVAILABLE) break; // busy: the rest waits for the next run
        throw e;
      }
      dropped.push(name);
    }
    return dropped;
  }

  /** The daily partitions of both tables, attempts first, oldest first. */
  async list(manager?: EntityManager): Promise<{ parent: string; name: string }[]> {
    const rows: { parent: string; name: string }[] = await (
      manager ?? this.dataSource.manager
    ).query(
      `select p.relname as parent, c.relname as name
       from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
       where i.inhparent in ('deliveries'::regclass, 'delivery_attempts'::regclass)
         and c.relname ~ '_p[0-9]{8}$'`,
    );
    const order = (r: { parent: string; name: string }) =>
      `${dayOf(r.name)!.toISOString()}|${r.parent === 'delivery_attempts' ? 0 : 1}`;
    return rows.sort((a, b) => (order(a) < order(b) ? -1 : 1));
  }

  /**
   * A new table takes its columns' statistics targets from the parent (LIKE and ATTACH copy
   * none): a column the log is never searched by gathers none, in every partition (see the
   * migration LogColumnStatistics).
   */
  private async copyStatisticsTargets(m: EntityManager, parent: string, table: string) {
    // Set targets only: the default is null from Postgres 17 on, -1 before.
    const [{ columns }]: { columns: string | null }[] = await m.query(
      `select string_agg(format('alter column %I set statistics %s', attname, attstattarget), ', ') as columns
       from pg_attribute
       where attrelid = $1::regclass and attnum > 0 and not attisdropped and attstattarget >= 0`,
      [parent],
    );
    if (columns) await m.query(`alter table ${table} ${columns}`);
  }

  private async missing(names: string[], manager?: EntityManager): Promise<string[]> {
    // pg_class read as a table (the statement's snapshot), not through to_regclass: the catalog
    // cache of a session that has just waited on the advisory lock may not yet show the tables
    // another process committed meanwhile.
    const rows: { name: string }[] = await (manager ?? this.dataSource.manager).query(
      `select n as name from unnest($1::text[]) n
       where not exists (select 1 from pg_class c where c.relname = n and c.relnamespace = current_schema()::regnamespace)`,
      [names],
    );
    return rows.map((r) => r.name);
  }
}
