import { Command } from 'commander';
import type { Delivery, DeliveryStatus } from '@hookline/sdk';
import type { CliIo } from '../cli-io';
import { printJson, printRecord, printTable } from '../output';
import { apiAction } from './api-context';
import { integerIn, isoTime, oneOf } from './option-parsers';

const STATUSES: readonly DeliveryStatus[] = ['pending', 'succeeded', 'failed', 'skipped'];

interface ListFlags {
  status?: DeliveryStatus;
  event?: string;
  since?: string;
  until?: string;
  limit: number;
}

export function registerDeliveriesCommand(program: Command, io: CliIo): void {
  const deliveries = program
    .command('deliveries')
    .description('the delivery log: list, show with every attempt, redeliver');

  deliveries
    .command('list')
    .description("a webhook's deliveries, newest first")
    .argument('<webhook-id>', 'webhook id (wh_…)')
    .option('--status <status>', `only ${STATUSES.join(', ')}`, oneOf(STATUSES))
    .option('--event <type>', 'only this event type')
    .option('--since <time>', 'created at or after (ISO 8601)', isoTime)
    .option('--until <time>', 'created before (ISO 8601)', isoTime)
    .option('--limit <n>', 'at most this many (1 to 10000)', integerIn(1, 10_000), 50)
    .action(
      apiAction(io, async (ctx, webhookId: string, flags: ListFlags) => {
        const rows: Delivery[] = [];
        const filters = {
          status: flags.status,
          event: flags.event,
          since: flags.since,
          until: flags.until,
          limit: Math.min(flags.limit, 100),
        };
        for await (const d of ctx.client.deliveries.list(webhookId, filters)) {
          rows.push(d);
          if (rows.length >= flags.limit) break;
        }
        if (ctx.json) return printJson(io, rows);
        printTable(io, rows, [
          { header: 'id', value: (d) => d.id },
          { header: 'event', value: (d) => d.event_type },
          { header: 'event id', value: (d) => d.event_id },
          { header: 'status', value: (d) => d.status },
          { header: 'attempts', value: (d) => d.attempts },
          { header: 'next attempt', value: (d) => d.next_attempt_at },
          { header: 'last error', value: (d) => d.last_error },
          { header: 'created', value: (d) => d.created_at },
        ]);
      }),
    );

  deliveries
    .command('show')
    .description('one delivery with every attempt')
    .argument('<id>', 'delivery id')
    .action(
      apiAction(io, async (ctx, id: string) => {
        const delivery = await ctx.client.deliveries.get(id);
        if (ctx.json) return printJson(io, delivery);
        const { attempts_log: log, event: _event, ...summary } = delivery;
        printRecord(io, summary);
        io.out('');
        printTable(io, log ?? [], [
          { header: '#', value: (a) => a.attempt },
          { header: 'trigger', value: (a) => a.trigger },
          { header: 'started', value: (a) => a.started_at },
          { header: 'status', value: (a) => a.response_status },
          { header: 'ms', value: (a) => a.duration_ms },
          {
            header: 'error',
            value: (a) => (a.error_class ? `${a.error_class}: ${a.error ?? ''}` : a.error),
          },
          { header: 'response', value: (a) => a.response_body?.replace(/\s+/g, ' ').slice(0, 60) },
        ]);
      }),
    );

  deliveries
    .command('redeliver')
    .description('a new attempt now, whatever the state')
    .argument('<id>', 'delivery id')
    .action(
      apiAction(io, async (ctx, id: string) => {
        const answer = await ctx.client.deliveries.redeliver(id);
        if (ctx.json) printJson(io, answer);
        else io.out(`Attempt ${answer.attempt} of ${id} queued`);
      }),
    );
}
