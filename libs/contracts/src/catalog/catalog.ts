import { z } from 'zod';
import { IGNITE_EVENT_TYPES } from './ignite.events';
import { PLATFORM_EVENT_TYPES } from './platform.events';
import { PROJECT_EVENT_TYPES } from './project.events';

export const EVENT_CATALOG = [
  ...IGNITE_EVENT_TYPES,
  ...PROJECT_EVENT_TYPES,
  ...PLATFORM_EVENT_TYPES,
] as const;

type Catalog = typeof EVENT_CATALOG;
export type EventType = Catalog[number]['name'];

/**
 * A type without the open index signature of a loose object, at every depth: at run time a
 * producer may add fields, but in typed code a field the catalog does not name is a typo.
 */
type KnownFields<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T as string extends K ? never : K]: KnownFields<T[K]> }
    : T;

/** The `data` of each event type, as the type system sees it. */
export type EventDataMap = {
  [D in Catalog[number] as D['name']]: KnownFields<z.input<D['data']>>;
};
export type EventData<T extends EventType> = EventDataMap[T];

export const EVENT_TYPE_NAMES: readonly EventType[] = EVENT_CATALOG.map((d) => d.name);

/** Types only the platform emits (webhook.ping, webhook.disabled, …): subscribable, not publishable. */
export type PlatformEventType = (typeof PLATFORM_EVENT_TYPES)[number]['name'];
/** Types a producer may publish: every ignite.* and project.* type. */
export type ProducerEventType = Exclude<EventType, PlatformEventType>;

export const PRODUCER_EVENT_TYPE_NAMES: readonly ProducerEventType[] = [
  ...IGNITE_EVENT_TYPES,
  ...PROJECT_EVENT_TYPES,
].map((d) => d.name);
const producerNames = new Set<string>(PRODUCER_EVENT_TYPE_NAMES);

export function isProducerEventType(name: string): name is ProducerEventType {
  return producerNames.has(name);
}

const byName = new Map<string, Catalog[number]>(EVENT_CATALOG.map((d) => [d.name, d]));

export function findEventType(name: string): Catalog[number] | undefined {
  return byName.get(name);
}

export function isEventType(name: string): name is EventType {
  return byName.has(name);
}

/** The built-in catalog with the JSON Schema of each type's data (the registry seeds it). */
export function describeCatalog(): {
  name: string;
  description: string;
  schema: Record<string, unknown>;
  /** Emitted by Hookline only: listed and subscribable, never publishable. */
  platform: boolean;
}[] {
  return EVENT_CATALOG.map((d) => ({
    name: d.name,
    description: d.description,
    schema: z.toJSONSchema(d.data, { io: 'input' }) as Record<string, unknown>,
    platform: !isProducerEventType(d.name),
  }));
}
