/** Exit codes scripts can rely on (documented in apps/cli/README.md). */
export const ExitCode = {
  Ok: 0,
  /** The API answered with an error or could not be reached, or a test delivery failed. */
  ApiError: 1,
  /** A bad command, flag or value: nothing was sent. */
  Usage: 2,
  /** The webhook, delivery or event type does not exist (or belongs to another project). */
  NotFound: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A failure reported as one line on stderr and an exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.Usage);
  }
}
