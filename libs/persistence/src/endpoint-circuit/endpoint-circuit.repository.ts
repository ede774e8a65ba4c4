import type { DataSource } from 'typeorm';
import type { CircuitResource, CircuitState } from '@hookline/contracts';

interface CircuitRow {
  endpoint: string;
  state: CircuitState;
  failures: number;
  opened_at: Date | null;
}

/**
 * endpoint_circuits: the last state each endpoint's circuit breaker moved to, by its key (the
 * webhook's URL, see endpointCircuitKey). The dispatcher writes a row on each transition only
 * (never per attempt); the registry reads it to show a webhook's circuit.
 */
export class EndpointCircuitRepository {
  constructor(private readonly dataSource: DataSource) {}

  async record(
    endpoint: string,
    next: { state: CircuitState; failures: number; openedAt: number | null },
  ): Promise<void> {
    await this.dataSource.query(
      `insert into endpoint_circuits (endpoint, state, failures, opened_at, updated_at)
       values ($1, $2, $3, $4, now())
       on conflict (endpoint) do update
         set state = excluded.state, failures = excluded.failures,
             opened_at = excluded.opened_at, updated_at = excluded.updated_at`,
      [
        endpoint,
        next.state,
        next.failures,
        next.openedAt === null ? null : new Date(next.openedAt),
      ],
    );
  }

  /** The circuit of `endpoint` as the API shows it; closed when no transition was ever recorded. */
  async forEndpoint(endpoint: string): Promise<CircuitResource> {
    const rows: CircuitRow[] = await this.dataSource.query(
      'select endpoint, state, failures, opened_at from endpoint_circuits where endpoint = $1',
      [endpoint],
    );
    const row = rows[0];
    if (!row) return { state: 'closed', opened_at: null, failures: 0 };
    return {
      state: row.state,
      opened_at: row.opened_at ? new Date(row.opened_at).toISOString() : null,
      failures: row.failures,
    };
  }
}
