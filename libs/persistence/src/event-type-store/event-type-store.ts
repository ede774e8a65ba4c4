import type { DataSource, EntityManager } from 'typeorm';
import { EventTypeStateSchema, type EventTypeState } from '@hookline/contracts';

/** Writers notify it in their transaction: a commit wakes the catalog relay at once. */
export const EVENT_TYPE_CHANGES_CHANNEL = 'hookline_event_type_changes';

export interface EventTypeInput {
  name: string;
  description: string;
  schema: Record<string, unknown>;
  example: Record<string, unknown>;
}

export type EventTypePatch = Partial<Omit<EventTypeInput, 'name'>> & { deprecated?: boolean };

interface EventTypeRow {
  name: string;
  description: string;
  schema: Record<string, unknown>;
  example: Record<string, unknown>;
  version: number;
  deprecated: boolean;
  built_in: boolean;
  updated_at: Date;
}

const COLUMNS = 'name, description, schema, example, version, deprecated, built_in, updated_at';

function toState(row: EventTypeRow): EventTypeState {
  return EventTypeStateSchema.parse({ ...row, updated_at: new Date(row.updated_at).toISOString() });
}

/**
 * The event-type catalog in Postgres. Every write appends the new state to `event_type_changes`
 * in the same transaction (the outbox the catalog relay publishes), so the table and the changelog
 * never disagree. No business rule here: what a valid schema is, is the registry's.
 */
export class EventTypeStore {
  constructor(private readonly dataSource: DataSource) {}

  async list(): Promise<EventTypeState[]> {
    const rows: EventTypeRow[] = await this.dataSource.query(
      `select ${COLUMNS} from event_types order by name`,
    );
    return rows.map(toState);
  }

  /** Types added as data or changed since their built-in version, for the ingest's catalog. */
  async listChanged(builtInVersion: number): Promise<EventTypeState[]> {
    const rows: EventTypeRow[] = await this.dataSource.query(
      `select ${COLUMNS} from event_types where not built_in or version > $1 order by name`,
      [builtInVersion],
    );
    return rows.map(toState);
  }

  async get(name: string): Promise<EventTypeState | undefined> {
    const rows: EventTypeRow[] = await this.dataSource.query(
      `select ${COLUMNS} from event_types where name = $1`,
      [name],
    );
    return rows[0] && toState(rows[0]);
  }

  /** Inserts the type at `version`; undefined when the name is taken. */
  async create(
    input: EventTypeInput,
    options: { version: number; builtIn: boolean },
  ): Promise<EventTypeState | undefined> {
    return this.dataSource.transaction(async (manager) => {
      const rows: EventTypeRow[] = await manager.query(
        `insert into event_types (name, description, schema, example, version, built_in)
         values ($1, $2, $3, $4, $5, $6) on conflict (name) do nothing returning ${COLUMNS}`,
        [
          input.name,
          input.description,
          JSON.stringify(input.schema),
          JSON.stringify(input.example),
          options.version,
          options.builtIn,
        ],
      );
      return rows[0] && this.record(manager, toState(rows[0]));
    });
  }

  /**
   * Applies a change and raises the version; `check` sees the type as it would become and throws
   * to refuse it (the transaction rolls back). Undefined when there is no such type.
   */
  async update(
    name: string,
    patch: EventTypePatch,
    check: (next: EventTypeState) => void = () => undefined,
  ): Promise<EventTypeState | undefined> {
    return this.dataSource.transaction(async (manager) => {
      const rows: EventTypeRow[] = await manager.query(
        `select ${COLUMNS} from event_types where name = $1 for update`,
        [name],
      );
      if (!rows[0]) return undefined;
      const current = toState(rows[0]);
      const next: EventTypeState = {
        ...current,
        ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)),
        version: current.version + 1,
        updated_at: new Date().toISOString(),
      };
      check(next);
      await manager.query(
        `update event_types set description = $2, schema = $3, example = $4, deprecated = $5,
           version = $6, updated_at = $7 where name = $1`,
        [
          name,
          next.description,
          JSON.stringify(next.schema),
          JSON.stringify(next.example),
          next.deprecated,
          next.version,
          next.updated_at,
        ],
      );
      return this.record(manager, next);
    });
  }

  /** Whether a change of this type is still waiting for the relay. */
  async unpublished(name: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      'select 1 from event_type_changes where name = $1 and published_at is null limit 1',
      [name],
    );
    return rows.length > 0;
  }

  private async record(manager: EntityManager, state: EventTypeState): Promise<EventTypeState> {
    await manager.query(`insert into event_type_changes (name, state) values ($1, $2)`, [
      state.name,
      JSON.stringify(state),
    ]);
    await manager.query(`select pg_notify('${EVENT_TYPE_CHANGES_CHANNEL}', $1)`, [state.name]);
    return state;
  }
}
