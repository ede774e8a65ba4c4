import { readFileSync, writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { CatalogFileSchema, renderEventTypesModule, type CatalogFile } from '@hookline/contracts';
import { HooklineApiError } from '@hookline/sdk';
import type { CliIo } from '../cli-io';
import { UsageError } from '../exit-codes';
import { printJson, printTable } from '../output';
import { adminToken, apiAction } from './api-context';

function readCatalogFile(path: string): CatalogFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`${path}: ${(e as Error).message}`);
  }
  const file = CatalogFileSchema.safeParse(parsed);
  if (!file.success) {
    const issues = file.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new UsageError(`${path} is not a catalog file: ${issues}`);
  }
  return file.data;
}

/** `hookline event-types` (list), `… import <file>`, `… codegen --out <file.ts>`. */
export function registerEventTypesCommand(program: Command, io: CliIo): void {
  const eventTypes = program
    .command('event-types')
    .description('the event catalog (list; import a catalog file; generate TypeScript types)')
    .action(
      apiAction(
        io,
        async (ctx) => {
          const types = await ctx.client.eventTypes.list();
          if (ctx.json) return printJson(io, types);
          printTable(io, types, [
            { header: 'name', value: (t) => t.name },
            {
              header: 'description',
              value: (t) => `${t.deprecated ? '(deprecated) ' : ''}${t.description}`,
            },
          ]);
        },
        { needsKey: false },
      ),
    );

  eventTypes
    .command('import')
    .description(
      'add the event types of a catalog file (catalogs/*.json) to the registry; admin token',
    )
    .argument('<file>', 'a catalog file, e.g. catalogs/hostwares.json')
    .option('--admin-token <token>', 'HOOKLINE_ADMIN_TOKEN of the registry')
    .option('--update', 'change types that exist already to the file (raises their version)')
    .action(
      apiAction(
        io,
        async (ctx, file: string, flags: { adminToken?: string; update?: boolean }) => {
          const catalog = readCatalogFile(file);
          const token = adminToken(io, flags.adminToken);
          const outcome: { name: string; result: 'created' | 'updated' | 'exists' }[] = [];
          for (const type of catalog.event_types) {
            try {
              await ctx.client.eventTypes.create(type, { adminToken: token });
              outcome.push({ name: type.name, result: 'created' });
            } catch (e) {
              if (!(e instanceof HooklineApiError) || e.status !== 409) throw e;
              if (!flags.update) {
                outcome.push({ name: type.name, result: 'exists' });
                continue;
              }
              const { description, schema, example } = type;
              await ctx.client.eventTypes.update(
                type.name,
                { description, schema, example },
                { adminToken: token },
              );
              outcome.push({ name: type.name, result: 'updated' });
            }
          }
          if (ctx.json) return printJson(io, outcome);
          for (const o of outcome) io.out(`${o.result.padEnd(8)} ${o.name}`);
          io.out(`Imported ${catalog.catalog}: ${outcome.length} event types`);
        },
        { needsKey: false },
      ),
    );

  eventTypes
    .command('codegen')
    .description("write TypeScript types (names and data) of the registry's current catalog")
    .requiredOption('--out <file.ts>', 'where to write the module')
    .action(
      apiAction(
        io,
        async (ctx, flags: { out: string }) => {
          const types = await ctx.client.eventTypes.list();
          const text = renderEventTypesModule(types, {
            header: [
              'Generated from a Hookline registry by `hookline event-types codegen`;',
              'do not edit by hand, run it again.',
            ],
            unsupported: 'unknown',
          });
          writeFileSync(flags.out, text);
          io.out(`Wrote ${types.length} event types to ${flags.out}`);
        },
        { needsKey: false },
      ),
    );
}
