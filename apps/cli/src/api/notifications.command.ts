import type { Command } from 'commander';
import type { NotificationSettings } from '@hookline/sdk';
import type { CliIo } from '../cli-io';
import { printJson } from '../output';
import { apiAction } from './api-context';

const collect = (value: string, previous: string[] = []) => [...previous, value];

function print(io: CliIo, json: boolean, settings: NotificationSettings): void {
  if (json) return printJson(io, settings);
  io.out(`Emails: ${settings.emails.length > 0 ? settings.emails.join(', ') : '(none)'}`);
  io.out(`Events: ${settings.events.join(', ')}`);
  if (!settings.mail_enabled) io.out('Mail is off on this deployment (no HOOKLINE_SMTP_URL).');
}

export function registerNotificationsCommand(program: Command, io: CliIo): void {
  const notifications = program
    .command('notifications')
    .description("the project's notification e-mail addresses (GET/PUT /v1/notifications)");

  notifications
    .command('get')
    .description('print the addresses and the events that mail them')
    .action(
      apiAction(io, async (ctx) => print(io, ctx.json, await ctx.client.notifications.get())),
    );

  notifications
    .command('set')
    .description('replace the addresses (none given: mail nobody)')
    .option('--email <address>', 'an address to mail (repeat for several)', collect)
    .option(
      '--event <type>',
      'an operational event type that mails them (repeat; default webhook.disabled and delivery.dead)',
      collect,
    )
    .action(
      apiAction(io, async (ctx, flags: { email?: string[]; event?: string[] }) => {
        // The API checks each address and names a bad one (emails[1]: …).
        print(io, ctx.json, await ctx.client.notifications.set(flags.email ?? [], flags.event));
      }),
    );
}
