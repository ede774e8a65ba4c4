/**
 * Renders a TypeScript module of event type names and `data` types from a catalog's JSON
 * Schemas: the receiver SDK's generated file, and `hookline event-types codegen` from a running
 * registry.
 */

interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  description?: string;
}

export interface CatalogTypeDescription {
  name: string;
  description: string;
  schema: Record<string, unknown>;
}

export interface RenderOptions {
  /** The first comment lines (where the file comes from). */
  header: string[];
  /**
   * What a schema feature the converter does not know becomes: an error (the built-in catalog,
   * where it must fail loudly) or `unknown` (schemas written by others).
   */
  unsupported: 'throw' | 'unknown';
}

/** A literal in the repo's quote style: single-quoted strings. */
function literal(value: unknown): string {
  if (typeof value !== 'string') return JSON.stringify(value);
  return `'${JSON.stringify(value).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
}
const key = (name: string): string => (/^[A-Za-z_$][\w$]*$/.test(name) ? name : literal(name));
/** A comment cannot be closed from inside. */
const comment = (text: string): string => text.replace(/\*\//g, '*\\/');

class SchemaRenderer {
  constructor(private readonly unsupported: RenderOptions['unsupported']) {}

  private objectType(schema: JsonSchema, indent: string): string {
    const properties = Object.entries(schema.properties ?? {});
    if (properties.length === 0) return 'Record<string, unknown>';
    const required = new Set(schema.required ?? []);
    const inner = `${indent}  `;
    const lines = properties.map(([name, property]) => {
      const doc = property.description ? `${inner}/** ${comment(property.description)} */\n` : '';
      const optional = required.has(name) ? '' : '?';
      return `${doc}${inner}${key(name)}${optional}: ${this.tsType(property, inner)};`;
    });
    return `{\n${lines.join('\n')}\n${indent}}`;
  }

  /** The TypeScript type of a JSON Schema, for the subset catalogs use. */
  tsType(schema: JsonSchema, indent: string): string {
    const union = schema.anyOf ?? schema.oneOf;
    if (union) return union.map((s) => this.tsType(s, indent)).join(' | ');
    if (schema.enum) return schema.enum.map(literal).join(' | ');
    if (schema.const !== undefined) return literal(schema.const);
    if (Array.isArray(schema.type))
      return schema.type.map((type) => this.tsType({ ...schema, type }, indent)).join(' | ');
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
        const item = schema.items ? this.tsType(schema.items, indent) : 'unknown';
        return /[|&]/.test(item) ? `(${item})[]` : `${item}[]`;
      }
      case 'object':
        return this.objectType(schema, indent);
      default:
        if (this.unsupported === 'unknown') return 'unknown';
        throw new Error(`event types: unsupported JSON Schema ${JSON.stringify(schema)}`);
    }
  }
}

export function renderEventTypesModule(
  catalog: readonly CatalogTypeDescription[],
  options: RenderOptions,
): string {
  const renderer = new SchemaRenderer(options.unsupported);
  const names = catalog.map((d) => `  ${literal(d.name)},`).join('\n');
  const data = catalog
    .map(
      (d) =>
        `  /** ${comment(d.description)} */\n  ${literal(d.name)}: ${renderer.tsType(d.schema as JsonSchema, '  ')};`,
    )
    .join('\n');
  return `${options.header.map((line) => `// ${line}`).join('\n')}

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
