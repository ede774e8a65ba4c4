import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import Ajv2020 from 'ajv/dist/2020';
import { DataSource } from 'typeorm';
import {
  BUILT_IN_EXAMPLES,
  BUILT_IN_VERSION,
  EVENT_TYPE_NAMES,
  EventTypeCatalog,
  describeCatalog,
  findEventType,
  isKnownSubscription,
  isProducerEventType,
  type EventType,
  type EventTypeState,
} from '@hookline/contracts';
import { EventTypeStore } from '@hookline/persistence';
import type { Logger } from '@hookline/telemetry';
import { ApiError, fieldPath } from '../common/api-error';
import { LOGGER } from '../infra/tokens';
import { CatalogRelay } from '../outbox/catalog-relay';
import type { CreateEventTypeBody, EventTypeResponse, UpdateEventTypeBody } from './event-type.dto';

/** How stale the ingest's copy of the catalog may be for a type it already knows. */
const REFRESH_MS = 1000;

function present(state: EventTypeState): EventTypeResponse {
  const platform = findEventType(state.name) !== undefined && !isProducerEventType(state.name);
  return { ...state, platform };
}

/**
 * The event-type catalog as a resource: the built-in types (seeded at boot) and those added by an
 * admin. Every change goes through the store's outbox to the catalog changelog; the API answers
 * once it is there, so the fan-out checks the next event by it.
 */
@Injectable()
export class EventTypesService implements OnApplicationBootstrap {
  private readonly store: EventTypeStore;
  /** Checks a schema compiles and an example fits it; the fan-out compiles its own copy. */
  private readonly ajv = new Ajv2020({ allErrors: true, strict: false });
  private catalog = new EventTypeCatalog();
  private loadedAt = 0;
  private loading?: Promise<EventTypeCatalog>;

  constructor(
    dataSource: DataSource,
    private readonly relay: CatalogRelay,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    this.store = new EventTypeStore(dataSource);
  }

  /** Seeds the built-in types not in the table yet (every replica may; the first insert wins). */
  async onApplicationBootstrap(): Promise<void> {
    let seeded = 0;
    for (const type of describeCatalog()) {
      const example = BUILT_IN_EXAMPLES[type.name as EventType];
      const input = {
        name: type.name,
        description: type.description,
        schema: type.schema,
        example,
      };
      if (await this.store.create(input, { version: BUILT_IN_VERSION, builtIn: true })) seeded++;
    }
    if (seeded > 0) this.log.info({ seeded }, 'seeded the built-in event types');
  }

  async list(): Promise<{ data: EventTypeResponse[] }> {
    return { data: (await this.store.list()).map(present) };
  }

  async get(name: string): Promise<EventTypeResponse> {
    const state = await this.store.get(name);
    if (!state) throw ApiError.notFound('event type');
    return present(state);
  }

  async create(body: CreateEventTypeBody): Promise<EventTypeResponse> {
    this.checkSchema(body.schema, body.example);
    const state = await this.store.create(body, { version: 1, builtIn: false });
    if (!state) throw ApiError.conflict(`event type "${body.name}" exists; change it with PATCH`);
    await this.relay.awaitPublished(state.name);
    this.loadedAt = 0;
    return present(state);
  }

  async update(name: string, body: UpdateEventTypeBody): Promise<EventTypeResponse> {
    if (findEventType(name) && !isProducerEventType(name))
      throw ApiError.badRequest(`"${name}" is emitted by Hookline; it cannot be changed`);
    const state = await this.store.update(name, body, (next) =>
      this.checkSchema(next.schema, next.example),
    );
    if (!state) throw ApiError.notFound('event type');
    await this.relay.awaitPublished(name);
    this.loadedAt = 0;
    return present(state);
  }

  /** 400 naming the first subscription that covers no type of the current catalog. */
  async checkSubscriptions(patterns: readonly string[]): Promise<void> {
    const added = (await this.store.list()).map((t) => t.name).filter((n) => !findEventType(n));
    const names = [...EVENT_TYPE_NAMES, ...added];
    const i = patterns.findIndex((p) => !isKnownSubscription(p, names));
    if (i < 0) return;
    const field = fieldPath(['events', i]);
    throw ApiError.badRequest(`invalid body: ${field}`, [
      {
        field,
        message: `unknown event type "${patterns[i]}"; valid types: ${names.join(', ')} (or a trailing wildcard such as ignite.deployment.* or *)`,
      },
    ]);
  }

  /**
   * The catalog the ingest checks `type` against: reloaded when older than a second, or at once
   * for a type it does not know (one created through another replica a moment ago).
   */
  async current(type: string): Promise<EventTypeCatalog> {
    const fresh = Date.now() - this.loadedAt <= REFRESH_MS;
    if (fresh && (findEventType(type) || this.catalog.has(type))) return this.catalog;
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async load(): Promise<EventTypeCatalog> {
    const catalog = new EventTypeCatalog();
    for (const state of await this.store.listChanged(BUILT_IN_VERSION)) catalog.apply(state);
    this.catalog = catalog;
    this.loadedAt = Date.now();
    return catalog;
  }

  /** A schema of an object that compiles, and an example that fits it. */
  private checkSchema(schema: Record<string, unknown>, example: Record<string, unknown>): void {
    if (schema.type !== 'object')
      throw ApiError.badRequest('invalid schema', [
        { field: 'schema.type', message: 'must be "object": an event\'s data is an object' },
      ]);
    let problems;
    try {
      const validate = this.ajv.compile(schema);
      problems = validate(example) ? [] : (validate.errors ?? []);
    } catch (e) {
      throw ApiError.badRequest('invalid schema', [
        { field: 'schema', message: `not a valid JSON Schema: ${(e as Error).message}` },
      ]);
    } finally {
      // Nothing compiled here is reused: keep the instance from growing (or clashing on `$id`).
      this.ajv.removeSchema();
    }
    if (problems.length > 0) {
      throw ApiError.badRequest(
        'the example does not fit the schema',
        problems.map((e) => ({
          field: `example${e.instancePath.replace(/\//g, '.')}`,
          message: e.message ?? e.keyword,
        })),
      );
    }
  }
}
