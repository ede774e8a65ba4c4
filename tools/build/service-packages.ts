import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { OUT } from './build';
import { REPO_ROOT } from '../stack/stack-paths';
import { serviceFiles } from './service-files';

// A require of a package by name (not relative, not `node:`): `require("pg")`, `require("@a/b/c")`.
const BARE_REQUIRE = /require\((["'])([^."'/][^"']*)\1\)/g;

/**
 * Packages that libraries load by name at run time, out of sight of the requires in our code:
 * TypeORM loads the driver of the configured database type.
 */
const LOADED_BY_NAME: Record<string, string[]> = { typeorm: ['pg'] };

interface LockEntry {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const packageOf = (spec: string) =>
  spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;

/**
 * The top-level packages of node_modules one service needs: those its files require by name, and
 * what they need in turn, read from package-lock.json (a dependency nested under its parent comes
 * with the parent's folder). An image keeps these and drops the rest of the production
 * dependencies (the console's React, another service's gRPC or mail libraries).
 */
export function servicePackages(
  service: string,
  dist = OUT,
  lockFile = join(REPO_ROOT, 'package-lock.json'),
): string[] {
  const builtins = new Set(builtinModules);
  const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const queue: string[] = [];
  for (const file of serviceFiles(service, dist)) {
    if (!file.endsWith('.js')) continue;
    for (const [, , spec] of readFileSync(join(dist, file), 'utf8').matchAll(BARE_REQUIRE)) {
      if (spec!.startsWith('node:') || builtins.has(packageOf(spec!))) continue;
      queue.push(packageOf(spec!));
    }
  }
  const kept = new Set<string>();
  // Walks from a package's folder: a dependency resolves to the nearest node_modules above it.
  const visit = (name: string, from: string) => {
    let dir = from;
    for (;;) {
      const key = `${dir}${dir ? '/' : ''}node_modules/${name}`;
      if (lock.packages[key]) return walk(key);
      const up = dir.lastIndexOf('/node_modules/');
      if (dir === '') return; // not installed: an optional or peer dependency left out
      dir = up < 0 ? '' : dir.slice(0, up);
    }
  };
  const walked = new Set<string>();
  const walk = (key: string) => {
    if (walked.has(key)) return;
    walked.add(key);
    const top = /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(key)![1]!;
    kept.add(top);
    const entry = lock.packages[key]!;
    const name = key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
    for (const dep of [
      ...Object.keys(entry.dependencies ?? {}),
      ...Object.keys(entry.optionalDependencies ?? {}),
      ...Object.keys(entry.peerDependencies ?? {}),
      ...(LOADED_BY_NAME[name] ?? []),
    ])
      visit(dep, key);
  };
  for (const name of queue) visit(name, '');
  return [...kept].sort();
}
