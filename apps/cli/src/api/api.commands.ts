import type { Command } from 'commander';
import type { CliIo } from '../cli-io';

export function registerApiCommands(_program: Command, _io: CliIo): void {}
