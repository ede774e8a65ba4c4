import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import type { EventType } from '@hookline/contracts';
import type { CliIo } from '../cli-io';
import { UsageError } from '../exit-codes';
import { printJson } from '../output';
import { apiAction } from './api-context';
import { isoTime } from './option-parsers';

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
  const events = program.command('events').description('publish events over HTTP');

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
}
