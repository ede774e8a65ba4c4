import { loadConfigOrExit, pickKafkaEnv } from '@hookline/config';
import { topicNames } from '@hookline/contracts';
import { kafkaFromConfig } from '@hookline/kafka';
import type { DlqEntry } from './dlq-entry';
import { DlqReplayError, DlqReplayer, type ReplayResult } from './dlq-replayer';
import { ReplayUsageError, parseReplayOptions, type ReplayOptions } from './replay-options';

/**
 * `npm run dlq:replay -- [--webhook wh_…]… [--since ISO] [--until ISO] [--dry-run]`: republishes
 * the selected dead letters as new delivery chains (see DlqReplayer and apps/dispatcher/README.md).
 * Exit codes: 0 done, 1 failed (the summary says how far it got), 2 bad arguments, 78 bad
 * configuration, 130 interrupted.
 */
const say = (line: string) => process.stdout.write(`${line}\n`);
const complain = (line: string) => process.stderr.write(`dlq:replay: ${line}\n`);

function optionsOrExit(): ReplayOptions {
  try {
    return parseReplayOptions(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof ReplayUsageError)) throw e;
    if (e.exitCode !== 0) complain(`${e.message} (see --help)`);
    process.exit(e.exitCode);
  }
}

function describe(o: ReplayOptions): string {
  const parts = [
    o.webhookIds.length > 0 ? `webhooks ${o.webhookIds.join(', ')}` : 'every webhook',
    o.since ? `failed at or after ${o.since.toISOString()}` : undefined,
    o.until ? `failed before ${o.until.toISOString()}` : undefined,
  ];
  return parts.filter(Boolean).join(', ');
}

const listEntry = (e: DlqEntry) =>
  say(
    [
      e.failedAt.toISOString(),
      e.task.webhook_id,
      e.task.delivery_id,
      e.task.event.event,
      `last attempt ${e.task.attempt}`,
      e.task.last_error ?? '',
    ].join('  '),
  );

function summary(r: ReplayResult, dryRun: boolean, target: string): string {
  const extras = [
    r.invalid > 0 ? `${r.invalid} invalid skipped` : '',
    r.duplicates > 0 ? `${r.duplicates} repeated dead letters skipped` : '',
  ];
  const outcome = dryRun ? 'nothing published (dry run)' : `replayed ${r.replayed} to ${target}`;
  return (
    [`scanned ${r.scanned}`, `selected ${r.selected}`, outcome, ...extras]
      .filter(Boolean)
      .join(', ') + (r.interrupted ? ' (interrupted)' : '')
  );
}

async function main() {
  const options = optionsOrExit();
  // Only what the replay needs, so it runs without the services' secrets.
  const config = loadConfigOrExit({
    ...pickKafkaEnv(),
    HOOKLINE_TOPIC_PREFIX: process.env.HOOKLINE_TOPIC_PREFIX,
  });
  const topics = topicNames(config.HOOKLINE_TOPIC_PREFIX);
  const kafka = kafkaFromConfig(config, 'hookline-dlq-replay');
  const replayer = new DlqReplayer({
    kafka,
    topics,
    groupPrefix: `${config.HOOKLINE_TOPIC_PREFIX}hookline.dlq-replay`,
  });

  const abort = new AbortController();
  process.on('SIGINT', () => {
    if (abort.signal.aborted) process.exit(130);
    complain('stopping after the batch in hand (Ctrl-C again to quit now)…');
    abort.abort();
  });
  say(
    `${options.dryRun ? 'dry run: ' : ''}reading ${topics.deliveriesDlq} on ${config.KAFKA_BROKERS.join(',')} up to its current end; ${describe(options)}`,
  );
  try {
    const result = await replayer.replay({
      ...options,
      signal: abort.signal,
      onSelected: options.dryRun ? listEntry : undefined,
    });
    say(summary(result, options.dryRun, topics.deliveries));
    if (!options.dryRun && result.replayed > 0) {
      say(
        'note: the dispatcher drops tasks of disabled webhooks; re-enable a webhook (PATCH active: true) before replaying its dead letters',
      );
    }
    process.exitCode = result.interrupted ? 130 : 0;
  } catch (e) {
    if (!(e instanceof DlqReplayError)) throw e;
    complain(e.message);
    say(summary(e.result, options.dryRun, topics.deliveries));
    process.exitCode = 1;
  }
}

main().catch((e) => {
  complain(`failed: ${(e as Error).message}`);
  process.exit(1);
});
