import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import type { EventType } from '@hookline/contracts';
import type { CliIo } from '../cli-io';
import { UsageError } from '../exit-codes';
import type { PublishedEvent } from '@hookline/sdk';
import { printJson, printTable } from '../output';
import { apiAction } from './api-context';
import { integerIn, isoTime } from './option-parsers';

/** `--data '{…}'` or `--data @file.json`; must be a JSON object. */
function parseData(value: string): Record<string, unknown> {
  let text = value;
  if (value.startsWith('@')) {
    try {
      text = readFileSync(value.slice(1), 'utf8');
    } catch (e) {
      throw new UsageError(`--data ${value}: ${(e as Error).message}`);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--data is not JSON: ${(e as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new UsageError('--data must be a JSON object');
  return parsed as Record<string, unknown>;
}

export function registerEventsCommands(program: Command, io: CliIo): void {
  const events = program
    .command('events')
    .description('publish events over HTTP; list them and where they went');

  events
    .command('publish')
    .description('publish one event (POST /v1/events); prints its id')
    .argument('<type>', 'event type, e.g. ignite.deployment.created (see hookline event-types)')
    .requiredOption('--data <json>', "the event's data: a JSON object, or @file.json")
    .option('--id <evt_id>', 'an event id of your own (evt_…), which makes the call idempotent')
    .option('--occurred-at <time>', 'when it happened (ISO 8601; default now)', isoTime)
    .action(
      apiAction(
        io,
        async (ctx, type: string, flags: { data: string; id?: string; occurredAt?: string }) => {
          const data = parseData(flags.data);
          // The API validates the type and the data against the catalog and names each bad field.
          const answer = await ctx.client.events.publish(type as EventType, data as never, {
            id: flags.id,
            occurredAt: flags.occurredAt,
          });
          if (ctx.json) printJson(io, answer);
          else io.out(`Published ${answer.id} (${type})`);
        },
      ),
    );

  events
    .command('list')
    .description("the project's published events (those that matched a webhook), newest first")
    .option('--type <type>', 'only this event type')
    .option('--since <time>', 'occurred at or after (ISO 8601)', isoTime)
    .option('--until <time>', 'occurred before (ISO 8601)', isoTime)
    .option('--limit <n>', 'at most this many (1 to 10000)', integerIn(1, 10_000), 50)
    .action(
      apiAction(
        io,
        async (ctx, flags: { type?: string; since?: string; until?: string; limit: number }) => {
          const rows: PublishedEvent[] = [];
          const filters = {
            type: flags.type,
            since: flags.since,
            until: flags.until,
            limit: Math.min(flags.limit, 100),
          };
          for await (const e of ctx.client.events.list(filters)) {
            rows.push(e);
            if (rows.length >= flags.limit) break;
          }
          if (ctx.json) return printJson(io, rows);
          printTable(io, rows, [
            { header: 'id', value: (e) => e.id },
            { header: 'type', value: (e) => e.type },
            { header: 'occurred', value: (e) => e.occurred_at },
          ]);
        },
      ),
    );

  events
    .command('deliveries')
    .description('which webhooks got an event, and how each delivery went')
    .argument('<event-id>', 'event id (evt_…)')
    .action(
      apiAction(io, async (ctx, eventId: string) => {
        const page = await ctx.client.events.deliveries(eventId, { limit: 100 });
        if (ctx.json) return printJson(io, page.data);
        printTable(io, page.data, [
          { header: 'webhook', value: (d) => d.webhook_id },
          { header: 'delivery', value: (d) => d.id },
          { header: 'status', value: (d) => d.status },
          { header: 'attempts', value: (d) => d.attempts },
          { header: 'last error', value: (d) => d.last_error },
        ]);
      }),
    );
}
