/**
 * Writes libs/signing/src/event-types.generated.ts: the event type names and `data` types of the
 * catalog in libs/contracts, copied into the receiver SDK because the SDK is published alone and
 * cannot depend on the rest of the repo. generate-event-types.spec.ts fails when the file drifts.
 *
 *   node -r ./tools/register.js libs/signing/scripts/generate-event-types.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
// A build-time script, never shipped: the published SDK contains only its output.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { describeCatalog } from '@hookline/contracts';

export const GENERATED_FILE = join(__dirname, '..', 'src', 'event-types.generated.ts');

interface JsonSchema {
  type?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  description?: string;
}

/** A literal in the repo's quote style: single-quoted strings. */
function literal(value: unknown): string {
  if (typeof value !== 'string') return JSON.stringify(value);
  return `'${JSON.stringify(value).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
}
const key = (name: string): string => (/^[A-Za-z_$][\w$]*$/.test(name) ? name : literal(name));

function objectType(schema: JsonSchema, indent: string): string {
  const properties = Object.entries(schema.properties ?? {});
  if (properties.length === 0) return 'Record<string, unknown>';
  const required = new Set(schema.required ?? []);
  const inner = `${indent}  `;
  const lines = properties.map(([name, property]) => {
    const doc = property.description ? `${inner}/** ${property.description} */\n` : '';
    const optional = required.has(name) ? '' : '?';
    return `${doc}${inner}${key(name)}${optional}: ${tsType(property, inner)};`;
  });
  return `{\n${lines.join('\n')}\n${indent}}`;
}

/** The TypeScript type of a JSON Schema, for the subset zod emits for the catalog. */
function tsType(schema: JsonSchema, indent: string): string {
  if (schema.anyOf) return schema.anyOf.map((s) => tsType(s, indent)).join(' | ');
  if (schema.enum) return schema.enum.map(literal).join(' | ');
  if (schema.const !== undefined) return literal(schema.const);
  switch (schema.type) {
    case 'string':
      return 'string';
    case 'number':
    case 'integer':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array': {
      const item = schema.items ? tsType(schema.items, indent) : 'unknown';
      return /[|&]/.test(item) ? `(${item})[]` : `${item}[]`;
    }
    case 'object':
      return objectType(schema, indent);
    default:
      // A schema feature this converter does not know must fail loudly, not become `any`.
      throw new Error(`generate-event-types: unsupported JSON Schema ${JSON.stringify(schema)}`);
  }
}

/** The generated module's text (listed in .prettierignore, so formatting never makes it drift). */
export function renderEventTypes(): string {
  const catalog = describeCatalog();
  const names = catalog.map((d) => `  ${literal(d.name)},`).join('\n');
  const data = catalog
    .map(
      (d) =>
        `  /** ${d.description} */\n  ${literal(d.name)}: ${tsType(d.schema as JsonSchema, '  ')};`,
    )
    .join('\n');
  return `// Generated from the event catalog of libs/contracts by
// libs/signing/scripts/generate-event-types.ts; do not edit by hand.

/** Every event type Hookline delivers. */
export const EVENT_TYPES = [
${names}
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** The \`data\` of each event type. */
export interface EventDataMap {
${data}
}

export type EventData<T extends EventType> = EventDataMap[T];
`;
}

if (require.main === module) {
  writeFileSync(GENERATED_FILE, renderEventTypes());
  console.log(`wrote ${GENERATED_FILE}`);
}
