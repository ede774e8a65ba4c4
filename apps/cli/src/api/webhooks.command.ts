import { Command } from 'commander';
import type { UpdateWebhookInput, Webhook } from '@hookline/sdk';
import { SCHEMES } from '@hookline/signing';
import type { CliIo } from '../cli-io';
import { CliError, ExitCode, UsageError } from '../exit-codes';
import { printJson, printRecord, printTable } from '../output';
import { apiAction, type ApiContext } from './api-context';
import { durationList, header, integerIn, list, numberIn, oneOf, orNull } from './option-parsers';

function state(w: Webhook): string {
  if (w.active) return 'active';
  return w.disabled_reason ? `disabled (${w.disabled_reason})` : 'disabled';
}

function printWebhook({ io, json }: ApiContext, w: Webhook): void {
  if (json) return printJson(io, w);
  const { secret, ...rest } = w;
  printRecord(io, { ...rest, active: state(w) });
  if (secret)
    io.out(
      `\nsecret  ${secret}\n        Shown once: store it now (e.g. as HOOKLINE_WEBHOOK_SECRET of the receiver).`,
    );
}

/** The per-webhook delivery settings, shared by create and update. */
interface SettingsFlags {
  throttle?: number | null;
  retrySchedule?: number[] | null;
  disableAfter?: number | null;
  header?: Record<string, string>;
  clearHeaders?: boolean;
}

function withSettingsOptions(command: Command): Command {
  return command
    .option(
      '--throttle <per-second>',
      'deliveries per second the endpoint receives at most ("none": no limit)',
      orNull('none', numberIn(0.001, 10_000)),
    )
    .option(
      '--retry-schedule <delays>',
      'own retry delays, e.g. 10s,1m,5m ("default": the platform\'s)',
      orNull('default', durationList),
    )
    .option(
      '--disable-after <failures>',
      'consecutive failed deliveries that disable it, 0 never ("default": the platform\'s)',
      orNull('default', integerIn(0, 1_000_000)),
    )
    .option('--header <name: value>', 'a request header sent on every attempt (repeatable)', header)
    .option('--clear-headers', 'send no custom headers');
}

function settingsOf(flags: SettingsFlags): UpdateWebhookInput {
  return {
    ...(flags.throttle !== undefined ? { throttle_per_second: flags.throttle } : {}),
    ...(flags.retrySchedule !== undefined ? { retry_schedule: flags.retrySchedule } : {}),
    ...(flags.disableAfter !== undefined
      ? { disable_after_failed_deliveries: flags.disableAfter }
      : {}),
    ...(flags.header !== undefined ? { headers: flags.header } : {}),
    ...(flags.clearHeaders ? { headers: null } : {}),
  };
}

interface CreateFlags extends SettingsFlags {
  url: string;
  events: string[];
  description?: string;
  scheme?: (typeof SCHEMES)[number];
  inactive?: boolean;
  verify: boolean;
}

interface UpdateFlags extends SettingsFlags {
  url?: string;
  events?: string[];
  description?: string;
  enable?: boolean;
  disable?: boolean;
}

export function registerWebhooksCommand(program: Command, io: CliIo): void {
  const webhooks = program
    .command('webhooks')
    .description('list, create, change, delete, rotate, test and verify webhooks');

  webhooks
    .command('list')
    .description("the project's webhooks")
    .action(
      apiAction(io, async (ctx) => {
        const all: Webhook[] = [];
        for await (const w of ctx.client.webhooks.list({ pageSize: 100 })) all.push(w);
        if (ctx.json) return printJson(io, all);
        printTable(io, all, [
          { header: 'id', value: (w) => w.id },
          { header: 'url', value: (w) => w.url },
          { header: 'events', value: (w) => w.events },
          { header: 'scheme', value: (w) => w.signature_scheme },
          { header: 'state', value: state },
          { header: 'description', value: (w) => w.description },
        ]);
      }),
    );

  webhooks
    .command('get')
    .description('one webhook')
    .argument('<id>', 'webhook id (wh_…)')
    .action(
      apiAction(io, async (ctx, id: string) =>
        printWebhook(ctx, await ctx.client.webhooks.get(id)),
      ),
    );

  withSettingsOptions(webhooks.command('create'))
    .description('create a webhook; prints its secret once')
    .requiredOption('--url <url>', 'the endpoint (https://…)')
    .requiredOption(
      '--events <types>',
      'event types or wildcards, comma-separated (ignite.deployment.*, *)',
      list,
    )
    .option('--description <text>', 'a note for people')
    .option(
      '--scheme <scheme>',
      `signature scheme: ${SCHEMES.join(', ')} (default standard)`,
      oneOf(SCHEMES),
    )
    .option('--inactive', 'create it disabled')
    .option('--no-verify', "skip checking the endpoint's addresses now")
    .action(
      apiAction(io, async (ctx, flags: CreateFlags) => {
        const created = await ctx.client.webhooks.create(flags.url, flags.events, {
          description: flags.description,
          signature_scheme: flags.scheme,
          ...(flags.inactive ? { active: false } : {}),
          ...(flags.verify ? {} : { verify: false }),
          ...settingsOf(flags),
        });
        printWebhook(ctx, created);
      }),
    );

  withSettingsOptions(webhooks.command('update'))
    .description('change a webhook; --enable re-enables a disabled one')
    .argument('<id>', 'webhook id (wh_…)')
    .option('--url <url>', 'a new endpoint')
    .option('--events <types>', 'the new subscription, comma-separated', list)
    .option('--description <text>', 'a new note ("" clears it)')
    .option('--enable', 'make it active')
    .option('--disable', 'stop deliveries to it')
    .action(
      apiAction(io, async (ctx, id: string, flags: UpdateFlags) => {
        if (flags.enable && flags.disable)
          throw new UsageError('--enable and --disable exclude each other');
        const patch: UpdateWebhookInput = {
          ...(flags.url !== undefined ? { url: flags.url } : {}),
          ...(flags.events !== undefined ? { events: flags.events } : {}),
          ...(flags.description !== undefined
            ? { description: flags.description === '' ? null : flags.description }
            : {}),
          ...(flags.enable ? { active: true } : {}),
          ...(flags.disable ? { active: false } : {}),
          ...settingsOf(flags),
        };
        if (Object.keys(patch).length === 0)
          throw new UsageError(
            'nothing to change: give --url, --events, --description, --enable, --disable or a delivery setting',
          );
        printWebhook(ctx, await ctx.client.webhooks.update(id, patch));
      }),
    );

  webhooks
    .command('delete')
    .description('delete a webhook; no delivery to it starts afterwards')
    .argument('<id>', 'webhook id (wh_…)')
    .action(
      apiAction(io, async (ctx, id: string) => {
        await ctx.client.webhooks.delete(id);
        if (ctx.json) printJson(io, { id, deleted: true });
        else io.out(`Deleted ${id}`);
      }),
    );

  webhooks
    .command('rotate-secret')
    .description('make a new secret; the old one keeps signing during the transition')
    .argument('<id>', 'webhook id (wh_…)')
    .option(
      '--transition-hours <hours>',
      'how long the old secret stays valid, 0 to 24',
      numberIn(0, 24),
      24,
    )
    .action(
      apiAction(io, async (ctx, id: string, flags: { transitionHours: number }) => {
        const rotated = await ctx.client.webhooks.rotateSecret(id, flags.transitionHours);
        if (ctx.json) return printJson(io, rotated);
        io.out(`secret  ${rotated.secret}`);
        io.out(
          rotated.old_secret_expires_at
            ? `        The old secret also signs until ${rotated.old_secret_expires_at}.`
            : '        The old secret no longer signs.',
        );
      }),
    );

  webhooks
    .command('test')
    .description('send webhook.ping now and show the attempt; exit code 1 if it failed')
    .argument('<id>', 'webhook id (wh_…)')
    .action(
      apiAction(io, async (ctx, id: string) => {
        const result = await ctx.client.webhooks.test(id);
        if (ctx.json) printJson(io, result);
        else printRecord(io, { ...result });
        if (result.status === 'pending')
          throw new CliError(
            `the test delivery to ${id} had not finished; see: hookline deliveries get ${result.delivery_id}`,
            ExitCode.ApiError,
          );
        if (result.status !== 'succeeded')
          throw new CliError(`the test delivery to ${id} failed`, ExitCode.ApiError);
      }),
    );

  webhooks
    .command('verify')
    .description("run the endpoint's verification handshake again; exit code 1 if it did not pass")
    .argument('<id>', 'webhook id (wh_…)')
    .action(
      apiAction(io, async (ctx, id: string) => {
        const result = await ctx.client.webhooks.verify(id);
        if (ctx.json) printJson(io, result);
        else
          printRecord(io, {
            passed: result.passed,
            status: result.status,
            error: result.error,
            active: result.webhook.active,
          });
        if (!result.passed)
          throw new CliError(
            `${id} did not pass its verification: ${result.error ?? 'unknown'}`,
            ExitCode.ApiError,
          );
      }),
    );
}
