import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Columns of the delivery log that no query searches, joins or sorts by (what was sent and
 * answered, the payloads, the counters): ANALYZE gathers nothing on them any more. Postgres
 * re-analyzes each day's partitions as they grow by a tenth, sampling up to 30,000 rows, and
 * sorting that many request-header documents took most of it: 0.38 s of CPU for a partition of
 * 68,000 attempts, all at once, on the machine that also runs the deliveries. Without them it is
 * a fifth of that. The searched columns keep their statistics: the console's and the API's
 * queries plan on them.
 *
 * ALTER on a partitioned table reaches its partitions; DeliveryLogPartitions gives the partitions
 * it makes later their parent's targets.
 */
const NO_STATISTICS: Record<string, string[]> = {
  delivery_attempts: [
    'webhook_id',
    'trigger',
    'url',
    'request_headers',
    'response_status',
    'response_body',
    'duration_ms',
    'error_class',
    'error',
    'started_at',
  ],
  deliveries: ['attempts', 'next_attempt_at', 'last_error', 'event', 'updated_at', 'chain'],
  published_events: ['event'],
};

export class LogColumnStatistics1765310000000 implements MigrationInterface {
  name = 'LogColumnStatistics1765310000000';

  async up(q: QueryRunner): Promise<void> {
    await setStatistics(q, 0);
  }

  async down(q: QueryRunner): Promise<void> {
    // -1: the server's default_statistics_target again (every version since 8).
    await setStatistics(q, -1);
  }
}

async function setStatistics(q: QueryRunner, target: number): Promise<void> {
  for (const [table, columns] of Object.entries(NO_STATISTICS))
    await q.query(
      `alter table ${table} ${columns.map((c) => `alter column ${c} set statistics ${target}`).join(', ')}`,
    );
}
