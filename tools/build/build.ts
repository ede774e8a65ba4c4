import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { transformFile, type Options } from '@swc/core';
import { REPO_ROOT } from '../stack/stack-paths';

/**
 * `npm run build`: compiles the services and their libraries to plain JavaScript under dist/, in
 * the repository's own layout (dist/apps/<app>/src/main.js), so that production runs
 * `node dist/apps/<app>/src/main.js` without compiling TypeScript at start: that saves the
 * compiler's ~80 MB of memory in every process and a second or two of start-up. Tests and
 * `npm start` keep compiling on the fly (tools/register.js).
 */
export const OUT = join(REPO_ROOT, 'dist');
const SKIP = /\.(spec|int-spec|e2e-spec)\.ts$|\.d\.ts$/;
/**
 * Test helpers and the end-to-end suite are not part of what runs in production; the console is
 * a browser app that Vite builds (buildConsole), not a Node service.
 */
const SKIP_DIRS = new Set(['libs/testing', 'apps/e2e', 'apps/console']);

function sources(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') && !SKIP.test(e.name) ? [path] : [];
  });
}

function projects(): string[] {
  return ['apps', 'libs'].flatMap((group) =>
    readdirSync(join(REPO_ROOT, group), { withFileTypes: true })
      .filter((e) => e.isDirectory() && !SKIP_DIRS.has(`${group}/${e.name}`))
      .map((e) => `${group}/${e.name}`),
  );
}

/** The @hookline/* paths of tsconfig.base.json, which swc rewrites to relative requires. */
function paths(): Record<string, string[]> {
  const base = require(join(REPO_ROOT, 'tsconfig.base.json')) as {
    compilerOptions: { paths: Record<string, string[]> };
  };
  return base.compilerOptions.paths;
}

const swcOptions = (): Options => ({
  swcrc: false,
  sourceMaps: true,
  module: { type: 'commonjs' },
  jsc: {
    target: 'es2022',
    parser: { syntax: 'typescript', decorators: true },
    // NestJS reads constructor parameter types from decorator metadata.
    transform: { legacyDecorator: true, decoratorMetadata: true },
    baseUrl: REPO_ROOT,
    paths: paths(),
    keepClassNames: true,
  },
});

async function compile(file: string, options: Options): Promise<void> {
  const out = join(OUT, relative(REPO_ROOT, file)).replace(/\.ts$/, '.js');
  const { code, map } = await transformFile(file, {
    ...options,
    filename: file,
    sourceFileName: relative(dirname(out), file),
  });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${code}\n//# sourceMappingURL=${out.split('/').pop()}.map\n`);
  if (map) writeFileSync(`${out}.map`, map);
}

export async function build(): Promise<{ files: number; ms: number }> {
  const started = Date.now();
  // Everything but dist/console, the console's own build (libs/testing's console-build): a test
  // serving the console may be running while another compiles the services.
  for (const entry of existsSync(OUT) ? readdirSync(OUT) : [])
    if (entry !== 'console') rmSync(join(OUT, entry), { recursive: true, force: true });
  // Code reads its version from the package.json next to it (and the repository's).
  for (const project of ['.', ...projects()]) {
    const manifest = join(REPO_ROOT, project, 'package.json');
    if (!existsSync(manifest)) continue;
    mkdirSync(join(OUT, project), { recursive: true });
    copyFileSync(manifest, join(OUT, project, 'package.json'));
  }
  const files = [
    ...projects().flatMap((project) => sources(join(REPO_ROOT, project, 'src'))),
    // The migration runner, which a deployment runs before the services (k8s/base/migrate.job.yaml, in the registry image).
    ...sources(join(REPO_ROOT, 'tools', 'db')),
  ];
  const options = swcOptions();
  await Promise.all(files.map((file) => compile(file, options)));
  // The gRPC API's .proto files, read at run time beside the compiled contracts (proto-files.ts).
  cpSync(join(REPO_ROOT, 'libs/contracts/proto'), join(OUT, 'libs/contracts/proto'), {
    recursive: true,
  });
  return { files: files.length, ms: Date.now() - started };
}
