import type { CliIo } from '../cli-io';

/** A CliIo that keeps what the CLI prints, for in-process tests. */
export class CapturedIo implements CliIo {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];

  constructor(readonly env: NodeJS.ProcessEnv = {}) {}

  out(line: string): void {
    this.stdout.push(...line.split('\n'));
  }

  err(line: string): void {
    this.stderr.push(...line.split('\n'));
  }

  /** Everything printed on stdout, as one text (for `--json` output). */
  get text(): string {
    return this.stdout.join('\n');
  }
}
