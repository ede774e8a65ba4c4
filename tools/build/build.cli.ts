import { buildConsole } from '@hookline/testing';
import { build } from './build';

async function main() {
  const { files, ms } = await build();
  process.stdout.write(`build: ${files} files compiled to dist/ in ${ms} ms\n`);
  // build() leaves dist/console alone; the console's static files are rebuilt there.
  const built = await buildConsole();
  process.stdout.write(`build: console built to dist/console in ${built.ms} ms\n`);
}

main().then(
  () => undefined,
  (e) => {
    process.stderr.write(`build: ${(e as Error).stack}\n`);
    process.exit(1);
  },
);
