import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { ID_PREFIXES } from '@hookline/contracts';
import type { DlqFilter } from './dlq-entry';

export interface ReplayOptions extends DlqFilter {
  webhookIds: string[];
  dryRun: boolean;
}

/** A bad command line; `exitCode` is 0 for --help. The message is one line, ready to print. */
export class ReplayUsageError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'ReplayUsageError';
  }
}

const WEBHOOK_ID = new RegExp(`^${ID_PREFIXES.webhook}[A-Za-z0-9]+$`);
// A zone is required: "10:00" alone would mean the local time of whoever runs the command.
const INSTANT = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

function webhookId(value: string, previous: string[] = []): string[] {
  if (!WEBHOOK_ID.test(value))
    throw new InvalidArgumentError(
      `--webhook "${value}" is not a webhook id (${ID_PREFIXES.webhook}…)`,
    );
  return previous.includes(value) ? previous : [...previous, value];
}

function instant(name: string) {
  return (value: string): Date => {
    if (!INSTANT.safeParse(value).success) {
      throw new InvalidArgumentError(
        `${name} "${value}" is not an ISO 8601 date or date-time with a zone (2026-11-22, 2026-11-22T15:00:00Z)`,
      );
    }
    return new Date(value);
  };
}

function program(): Command {
  return new Command('dlq:replay')
    .description(
      'Republishes dead letters of hookline.deliveries.dlq to hookline.deliveries, each as a new chain of ' +
        'attempts (same delivery id, attempt 1, full retry schedule). Without filters: every dead letter.',
    )
    .option('--webhook <wh_id>', 'only this webhook (repeat for several)', webhookId)
    .option(
      '--since <iso>',
      'only dead letters that failed at or after this time',
      instant('--since'),
    )
    .option('--until <iso>', 'only dead letters that failed before this time', instant('--until'))
    .option('--dry-run', 'list and count what would be replayed, publish nothing')
    .addHelpText(
      'after',
      "\nThe time is the dead letter's hookline-dlq-failed-at header (else its Kafka timestamp).\n" +
        'Environment: KAFKA_BROKERS (default 127.0.0.1:19092), HOOKLINE_TOPIC_PREFIX.\n' +
        'Example: npm run dlq:replay -- --webhook wh_123 --since 2026-11-22T00:00:00Z --dry-run',
    )
    .exitOverride()
    .configureOutput({ writeErr: () => undefined });
}

/** Parses the arguments after `npm run dlq:replay --`; throws ReplayUsageError. */
export function parseReplayOptions(argv: string[]): ReplayOptions {
  const cli = program();
  try {
    cli.parse(argv, { from: 'user' });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    // Commander's words ("error: unknown option '--x'") on one line; our reasons name the option.
    const message = e.message
      .split('\n')[0]!
      .replace(/^error: /, '')
      .replace(/^option '[^']*' argument '[^']*' is invalid\. /, '');
    throw new ReplayUsageError(message, e.exitCode === 0 ? 0 : 2);
  }
  const opts = cli.opts<{ webhook?: string[]; since?: Date; until?: Date; dryRun?: boolean }>();
  if (opts.since && opts.until && opts.since >= opts.until) {
    throw new ReplayUsageError('--since must be before --until', 2);
  }
  return {
    webhookIds: opts.webhook ?? [],
    since: opts.since,
    until: opts.until,
    dryRun: opts.dryRun === true,
  };
}
