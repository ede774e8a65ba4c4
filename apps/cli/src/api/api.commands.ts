import type { Command } from 'commander';
import type { CliIo } from '../cli-io';
import { registerDeliveriesCommand } from './deliveries.command';
import { registerEventTypesCommand } from './event-types.command';
import { registerEventsCommands } from './events.command';
import { registerRecoveriesCommand } from './recoveries.command';
import { registerWebhooksCommand } from './webhooks.command';

/** The commands over the registry API (libs/sdk). */
export function registerApiCommands(program: Command, io: CliIo): void {
  registerWebhooksCommand(program, io);
  registerEventsCommands(program, io);
  registerEventTypesCommand(program, io);
  registerDeliveriesCommand(program, io);
  registerRecoveriesCommand(program, io);
}
