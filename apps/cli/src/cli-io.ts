/** Where the CLI writes and what it reads, so commands can run in-process in tests. */
export interface CliIo {
  /** Writes one line (a newline is added) to standard output: results. */
  out(line: string): void;
  /** Writes one line to standard error: status and errors. */
  err(line: string): void;
  env: NodeJS.ProcessEnv;
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
};
