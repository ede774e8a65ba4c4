import type { Command } from 'commander';
import type { CliIo } from '../cli-io';
import { registerApiKeysCommand } from './api-keys.command';
import { registerDeliveriesCommand } from './deliveries.command';
import { registerEventTypesCommand } from './event-types.command';
import { registerEventsCommands } from './events.command';
import { registerNotificationsCommand } from './notifications.command';
import { registerRecoveriesCommand } from './recoveries.command';
import { registerWebhooksCommand } from './webhooks.command';

/** The commands over the registry API (libs/sdk). */
export function registerApiCommands(program: Command, io: CliIo): void {
  registerWebhooksCommand(program, io);
  registerEventsCommands(program, io);
  registerEventTypesCommand(program, io);
  registerDeliveriesCommand(program, io);
  registerApiKeysCommand(program, io);
  registerNotificationsCommand(program, io);
  registerRecoveriesCommand(program, io);
}
