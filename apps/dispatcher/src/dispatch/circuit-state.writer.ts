import { endpointOrigin } from '@hookline/contracts';
import type { EndpointCircuitRepository } from '@hookline/persistence';
import type { Logger } from '@hookline/telemetry';
import type { CircuitSnapshot } from './circuit-breaker';

/**
 * Records circuit transitions in endpoint_circuits for the API, off the attempt's path: the
 * breaker calls it synchronously and nothing awaits the write. Writes of one endpoint are chained so
 * they land in the order the transitions happened; a failed write is logged and the next
 * transition overwrites the row anyway. The endpoint's URL may hold a credential: logged is its
 * origin only (a key that is no URL is a webhook's id, harmless).
 */
export class CircuitStateWriter {
  private readonly tails = new Map<string, Promise<void>>();

  constructor(
    private readonly repository: EndpointCircuitRepository,
    private readonly log: Logger,
  ) {}

  record(endpoint: string, next: CircuitSnapshot): void {
    const tail = (this.tails.get(endpoint) ?? Promise.resolve())
      .then(() => this.repository.record(endpoint, next))
      .catch((err: unknown) =>
        this.log.warn(
          { err, origin: endpointOrigin(endpoint, endpoint), state: next.state },
          'circuit state not recorded',
        ),
      )
      .finally(() => {
        if (this.tails.get(endpoint) === tail) this.tails.delete(endpoint);
      });
    this.tails.set(endpoint, tail);
  }

  /** Waits for the writes in progress (at shutdown, before the database closes). */
  async flush(): Promise<void> {
    await Promise.all([...this.tails.values()]);
  }
}
