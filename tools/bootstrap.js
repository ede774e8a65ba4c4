#!/usr/bin/env node
'use strict';
/**
 * Entry of `npm start`, `npm test`, `npm run stack`, `npm run bench`, `npm run chaos`, `npm run build`,
 * `npm run dlq:replay`, `npm run secrets:rekey` and `npm run k8s:validate`.
 * Plain JavaScript so it runs on a fresh clone: it installs the dependencies when node_modules is
 * missing, then hands over to the TypeScript tool, compiled on the fly by @swc-node/register.
 */
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`hookline: Node ${process.versions.node} is too old; install Node 20.19 or newer`);
  process.exit(1);
}

if (!existsSync(join(root, 'node_modules', '.package-lock.json'))) {
  // `npm install` rather than `npm ci`: it installs the versions of package-lock.json just the same,
  // and npm 11 wrongly reports the lock as out of sync for other platforms' optional binaries.
  console.log('hookline: installing dependencies (npm install)…');
  const result = spawnSync('npm', ['install', '--no-audit', '--no-fund'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    console.error('hookline: npm install failed; check access to the npm registry and retry');
    process.exit(result.status || 1);
  }
}

const tools = {
  start: 'start/start.ts',
  test: 'test/run-tests.ts',
  stack: 'stack/stack.cli.ts',
  bench: 'bench/bench.ts',
  chaos: 'chaos/chaos.ts',
  build: 'build/build.cli.ts',
  'secrets:rekey': 'db/rekey-secrets.ts',
  'k8s:validate': 'k8s/validate.cli.ts',
  // Lives with the dispatcher, whose dead letters and task semantics it works on.
  'dlq:replay': '../apps/dispatcher/src/dlq/replay-dlq.ts',
};
const [command, ...rest] = process.argv.slice(2);
const tool = tools[command];
if (!tool || !existsSync(join(__dirname, tool))) {
  console.error(`hookline: unknown tool "${command}"`);
  process.exit(2);
}
process.chdir(root);
process.argv = [process.argv[0], join(__dirname, tool), ...rest];
require('./register');
require(join(__dirname, tool));
