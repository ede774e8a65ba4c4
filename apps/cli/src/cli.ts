import { Command, CommanderError } from 'commander';
import { registerApiCommands } from './api/api.commands';
import type { CliIo } from './cli-io';
import { CliError, ExitCode } from './exit-codes';
import { registerListenCommand } from './listen/listen.command';

export interface CliContext {
  io: CliIo;
  /** Resolves when a long-running command (listen) should stop; by default on SIGINT or SIGTERM. */
  stop?: () => Promise<void>;
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

export function createProgram({ io, stop = untilSignal }: CliContext): Command {
  const program = new Command('hookline')
    .description(
      'Hookline from the command line: receive webhooks locally and manage them over the API',
    )
    .option('--json', 'print JSON for scripts instead of tables')
    .option(
      '--api-url <url>',
      'the registry API (default: HOOKLINE_API_URL or http://127.0.0.1:3000)',
    )
    .option('--api-key <key>', 'a project API key, hlk_… (default: HOOKLINE_API_KEY)')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.out(text.trimEnd()),
      writeErr: (text) => io.err(text.trimEnd()),
      // Errors are printed once, on one line, by runCli.
      outputError: () => undefined,
    });
  registerListenCommand(program, io, stop);
  registerApiCommands(program, io);
  return program;
}

function oneLine(message: string): string {
  return message
    .replace(/^error:\s*/i, '')
    .replace(/\s*\n\s*/g, ' ')
    .trim();
}

/** Runs the CLI on argv (without node and script) and returns the exit code; never throws. */
export async function runCli(argv: string[], context: CliContext): Promise<number> {
  const { io } = context;
  try {
    await createProgram(context).parseAsync(argv, { from: 'user' });
    return ExitCode.Ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return ExitCode.Ok; // --help, --version
      if (e.code === 'commander.help' || e.code === 'commander.helpDisplayed')
        return ExitCode.Usage;
      io.err(`hookline: ${oneLine(e.message)}`);
      return ExitCode.Usage;
    }
    if (e instanceof CliError) {
      io.err(`hookline: ${oneLine(e.message)}`);
      return e.exitCode;
    }
    io.err(`hookline: ${oneLine((e as Error).message ?? String(e))}`);
    return ExitCode.ApiError;
  }
}
