import { Command } from 'commander';
import type { BulkRedeliverFilter, Recovery } from '@hookline/sdk';
import type { CliIo } from '../cli-io';
import { printJson, printRecord } from '../output';
import { apiAction, type ApiContext } from './api-context';
import { isoTime, oneOf } from './option-parsers';

const BULK_STATUSES: readonly BulkRedeliverFilter['status'][] = ['failed', 'skipped', 'succeeded'];
const WAIT_POLL_MS = 1000;

interface WindowFlags {
  since: string;
  until?: string;
  wait?: boolean;
}

/** Prints a recovery; with --wait, polls its progress until it is no longer running. */
async function show(ctx: ApiContext, recovery: Recovery, wait = false): Promise<void> {
  let current = recovery;
  while (wait && current.status === 'running') {
    await new Promise((r) => setTimeout(r, WAIT_POLL_MS));
    current = await ctx.client.recoveries.get(current.id);
  }
  if (ctx.json) return printJson(ctx.io, current);
  printRecord(ctx.io, current);
}

/** `recover`, `redeliver` (by filter) and `recoveries show`: re-sending what endpoints missed. */
export function registerRecoveriesCommand(program: Command, io: CliIo): void {
  program
    .command('recover')
    .description(
      "re-send a webhook's failed and skipped deliveries of a window, in event order, each once",
    )
    .argument('<webhook-id>', 'webhook id (wh_…)')
    .requiredOption('--since <time>', 'deliveries created at or after (ISO 8601)', isoTime)
    .option('--until <time>', 'deliveries created before (ISO 8601; default now)', isoTime)
    .option('--wait', 'wait until every delivery is sent')
    .action(
      apiAction(io, async (ctx, webhookId: string, flags: WindowFlags) => {
        const recovery = await ctx.client.recoveries.recover(webhookId, {
          since: flags.since,
          until: flags.until,
        });
        await show(ctx, recovery, flags.wait);
      }),
    );

  program
    .command('redeliver')
    .description('re-send every delivery a filter selects, as a recovery')
    .requiredOption('--status <status>', `only ${BULK_STATUSES.join(', ')}`, oneOf(BULK_STATUSES))
    .requiredOption('--since <time>', 'deliveries created at or after (ISO 8601)', isoTime)
    .option('--until <time>', 'deliveries created before (ISO 8601; default now)', isoTime)
    .option('--webhook <wh_id>', "only this webhook's (default: every enabled webhook's)")
    .option('--event-type <type>', 'only this event type')
    .option('--wait', 'wait until every delivery is sent')
    .action(
      apiAction(
        io,
        async (
          ctx,
          flags: WindowFlags & {
            status: BulkRedeliverFilter['status'];
            webhook?: string;
            eventType?: string;
          },
        ) => {
          const recovery = await ctx.client.recoveries.redeliver({
            status: flags.status,
            since: flags.since,
            until: flags.until,
            webhook_id: flags.webhook,
            event_type: flags.eventType,
          });
          await show(ctx, recovery, flags.wait);
        },
      ),
    );

  program
    .command('recoveries')
    .description('recoveries and bulk redeliveries')
    .command('show')
    .description("a recovery's progress")
    .argument('<id>', 'recovery id (rec_…)')
    .option('--wait', 'wait until it is no longer running')
    .action(
      apiAction(io, async (ctx, id: string, flags: { wait?: boolean }) => {
        await show(ctx, await ctx.client.recoveries.get(id), flags.wait);
      }),
    );
}
