import { build } from './build';

build().then(
  ({ files, ms }) => process.stdout.write(`build: ${files} files compiled to dist/ in ${ms} ms\n`),
  (e) => {
    process.stderr.write(`build: ${(e as Error).stack}\n`);
    process.exit(1);
  },
);
