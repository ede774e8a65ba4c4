'use strict';
/**
 * `node prune-node-modules.js <packages.txt> <node_modules>`: removes every top-level package of
 * node_modules that the list (written by service-files.cli.ts for one service) does not name, so
 * that a service's image carries only the dependencies that service loads. Plain JavaScript: it
 * runs in the image's dependency stage, before anything is compiled.
 */
const { readdirSync, readFileSync, rmSync } = require('node:fs');
const { join } = require('node:path');

const [listFile, dir] = process.argv.slice(2);
if (!listFile || !dir) {
  process.stderr.write('usage: prune-node-modules.js <packages.txt> <node_modules>\n');
  process.exit(2);
}
const keep = new Set(readFileSync(listFile, 'utf8').split('\n').filter(Boolean));
let removed = 0;
for (const entry of readdirSync(dir)) {
  if (entry.startsWith('.')) continue;
  const names = entry.startsWith('@')
    ? readdirSync(join(dir, entry)).map((n) => `${entry}/${n}`)
    : [entry];
  for (const name of names) {
    if (keep.has(name)) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
    removed++;
  }
}
process.stdout.write(`prune-node-modules: kept ${keep.size} packages, removed ${removed}\n`);
