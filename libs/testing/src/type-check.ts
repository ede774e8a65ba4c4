import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type * as TypeScript from 'typescript';

const REPO_ROOT = resolve(__dirname, '..', '..', '..');

/**
 * Type-checks files with the repository's compiler settings and returns the messages. A spec that
 * holds `@ts-expect-error` lines checks itself with it: an empty list means each of those lines is
 * a real type error (an unused directive is reported).
 */
export function typeCheck(files: string[]): string[] {
  // Loaded on use: most suites importing the test helpers never compile anything.
  const ts = require('typescript') as typeof TypeScript;
  const config = ts.readConfigFile(join(REPO_ROOT, 'tsconfig.base.json'), (p) =>
    readFileSync(p, 'utf8'),
  );
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, REPO_ROOT);
  const program = ts.createProgram(files, { ...options, noEmit: true });
  return files.flatMap((file) =>
    ts
      .getPreEmitDiagnostics(program, program.getSourceFile(file))
      .map(
        (d) => `${file}:${d.start ?? 0}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
      ),
  );
}
