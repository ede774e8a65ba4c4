import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import { findEventType, isProducerEventType } from '../catalog/catalog';
import type { EventTypeState } from './event-type-state';

/** Version of a built-in type before any change: its zod schema in libs/contracts is the rule. */
export const BUILT_IN_VERSION = 1;

export interface DataIssue {
  /** Path inside `data` (`['metrics', 'cpu_usage_percent']`). */
  path: (string | number)[];
  message: string;
}

export type CatalogCheck =
  /** `data` as it is delivered: as sent, with the defaults of a built-in type's schema. */
  | { ok: true; data: Record<string, unknown> }
  | { ok: false; reason: 'unknown_type' | 'platform_type' }
  | { ok: false; reason: 'invalid_data'; issues: DataIssue[] };

function ajvIssues(errors: readonly ErrorObject[]): DataIssue[] {
  return errors.map((e) => {
    const path: (string | number)[] = e.instancePath
      .split('/')
      .slice(1)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (e.keyword === 'required') path.push(String(e.params.missingProperty));
    if (e.keyword === 'additionalProperties') path.push(String(e.params.additionalProperty));
    return { path, message: e.message ?? e.keyword };
  });
}

/**
 * The current event-type catalog: the built-in types of libs/contracts, then every state read
 * from `hookline.catalog.changelog`. A type changed after its built-in version, or added as data,
 * is checked against its JSON Schema, compiled once per version.
 */
export class EventTypeCatalog {
  private readonly ajv = new Ajv2020({ allErrors: true, strict: false });
  private readonly types = new Map<string, { state: EventTypeState; validate: ValidateFunction }>();

  /** Applies a changelog state; an older version than the one held is ignored. */
  apply(state: EventTypeState): void {
    const held = this.types.get(state.name);
    if (held && held.state.version >= state.version) return;
    if (findEventType(state.name) && state.version <= BUILT_IN_VERSION) return;
    this.types.set(state.name, { state, validate: this.ajv.compile(state.schema) });
  }

  /** Whether a changelog state of `name` is held (added as data, or changed since built in). */
  has(name: string): boolean {
    return this.types.has(name);
  }

  /** Whether `name` may be published by a producer, and whether `data` fits it. */
  check(name: string, data: unknown): CatalogCheck {
    const custom = this.types.get(name);
    if (custom) {
      if (custom.validate(data)) return { ok: true, data: data as Record<string, unknown> };
      return { ok: false, reason: 'invalid_data', issues: ajvIssues(custom.validate.errors ?? []) };
    }
    const builtIn = findEventType(name);
    if (!builtIn) return { ok: false, reason: 'unknown_type' };
    if (!isProducerEventType(name)) return { ok: false, reason: 'platform_type' };
    const parsed = builtIn.data.safeParse(data);
    if (parsed.success) return { ok: true, data: parsed.data };
    return {
      ok: false,
      reason: 'invalid_data',
      issues: parsed.error.issues.map((i) => ({
        path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
        message: i.message,
      })),
    };
  }

  /** Names a producer may publish: the built-in ones in their order, then those added. */
  publishableNames(builtIn: readonly string[]): string[] {
    const added = [...this.types.keys()].filter((n) => !findEventType(n)).sort();
    return [...builtIn, ...added];
  }
}
