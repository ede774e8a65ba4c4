import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { OUT } from './build';

/** Entry points of each service's image: its main, and for the registry the migration runner its image also runs. */
const ENTRIES: Record<string, string[]> = {
  registry: ['apps/registry/src/main.js', 'tools/db/migrate.js'],
  fanout: ['apps/fanout/src/main.js'],
  dispatcher: ['apps/dispatcher/src/main.js'],
};
export const IMAGE_SERVICES = Object.keys(ENTRIES);

// swc writes every import of the repository's own code as a literal relative require.
const RELATIVE_REQUIRE = /require\((["'])(\.{1,2}\/[^"']+)\1\)/g;

function resolveFile(from: string, spec: string): string {
  const base = resolve(dirname(from), spec);
  for (const candidate of [base, `${base}.js`, join(base, 'index.js')]) {
    if (existsSync(candidate) && !candidate.endsWith('/')) {
      try {
        readFileSync(candidate);
        return candidate;
      } catch {
        // a directory: try the next form
      }
    }
  }
  throw new Error(`${relative(OUT, from)} requires ${spec}, which the build did not produce`);
}

/**
 * The files of dist/ (after `npm run build`) that one service loads: the closure of relative
 * requires from its entry points, with their source maps. What an image of that service holds,
 * so that it carries no other service's code.
 */
export function serviceFiles(service: string, dist = OUT): string[] {
  const entries = ENTRIES[service];
  if (!entries) throw new Error(`no image for "${service}" (one of ${IMAGE_SERVICES.join(', ')})`);
  const seen = new Set<string>();
  const queue = entries.map((e) => join(dist, e));
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (!file.endsWith('.js')) continue;
    for (const [, , spec] of readFileSync(file, 'utf8').matchAll(RELATIVE_REQUIRE))
      queue.push(resolveFile(file, spec!));
    if (existsSync(`${file}.map`)) seen.add(`${file}.map`);
  }
  return [...seen].map((f) => relative(dist, f)).sort();
}

/** Copies a service's files (and, for the registry, the console it serves) from dist/ to `to`/dist. */
export function copyServiceFiles(service: string, to: string, dist = OUT): number {
  const files = serviceFiles(service, dist);
  for (const file of files) {
    mkdirSync(dirname(join(to, 'dist', file)), { recursive: true });
    copyFileSync(join(dist, file), join(to, 'dist', file));
  }
  if (service === 'registry' && existsSync(join(dist, 'console')))
    cpSync(join(dist, 'console'), join(to, 'dist', 'console'), { recursive: true });
  return files.length;
}
