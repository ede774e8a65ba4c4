import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { HooklineClient } from '@hookline/sdk';
import {
  builtServiceEntry,
  startHooklineProcesses,
  type HooklineProcesses,
} from '@hookline/testing';
import { build, OUT } from './build';
import { copyServiceFiles, IMAGE_SERVICES, serviceFiles } from './service-files';
import { servicePackages } from './service-packages';
import { REPO_ROOT } from '../stack/stack-paths';

describe('npm run build', () => {
  let hl: HooklineProcesses | undefined;
  afterAll(async () => {
    await hl?.stop();
  });

  it('should compile every service so that it runs without the on-the-fly compiler', async () => {
    const { files } = await build();

    expect(files).toBeGreaterThan(100);
    for (const app of ['registry', 'fanout', 'dispatcher', 'producer'])
      expect(existsSync(builtServiceEntry(app))).toBe(true);
    // Started from dist/ and answering /readyz: resolved @hookline/* paths, decorator metadata
    // (NestJS injection in the registry), the package.json files the code reads.
    hl = await startHooklineProcesses({
      logPrefix: 'build-test',
      logLevel: 'warn',
      extraEnv: { HOOKLINE_RUN_BUILD: '1' },
    });
    const project = await new HooklineClient({
      baseUrl: hl.apiUrl,
      adminToken: hl.adminToken,
    }).projects.create('built');
    expect(project.id).toMatch(/^prj_/);
    // One V8 worker thread each, as the images run them (SERVICE_NODE_FLAGS). Node names its
    // threads from version 22 on; on Node 20 there is nothing to tell them apart by.
    for (const child of Object.values(hl.services)) {
      const threads = threadNames(child.pid!);
      if (threads.includes('node-MainThread'))
        expect(threads.filter((name) => name === 'node-V8Worker')).toHaveLength(1);
    }
  });

  // After the build above (the same file, so no other test rebuilds dist/ meanwhile).
  it.each(IMAGE_SERVICES)(
    'should give the %s image its own code only, complete enough to load',
    (service) => {
      const files = serviceFiles(service);
      expect(files).toContain(`apps/${service}/src/main.js`);
      expect(files).toContain('libs/config/src/index.js');
      // The registry reports the repository's version (openapi.controller.ts).
      if (service === 'registry') expect(files).toContain('package.json');
      const others = IMAGE_SERVICES.filter((s) => s !== service).map((s) => `apps/${s}/`);
      expect(files.filter((f) => others.some((o) => f.startsWith(o)))).toEqual([]);
      expect(
        files.filter((f) => /^(apps\/(e2e|cli|producer|console)|libs\/testing)\//.test(f)),
      ).toEqual([]);
      // Loaded from a copy that holds nothing else: every relative require is in the closure.
      const dir = mkdtempSync(join(tmpdir(), `hookline-image-${service}-`));
      try {
        copyServiceFiles(service, dir, OUT);
        const module =
          service === 'registry'
            ? 'registry.app.js'
            : `${service === 'fanout' ? 'fanout.app' : 'dispatcher'}.js`;
        // Only the packages the image keeps (servicePackages), linked in: with --preserve-symlinks
        // their own requires resolve here too, so a package missing from the list fails the load.
        const packages = servicePackages(service);
        expect(packages).not.toContain('recharts'); // the console's, served as built files
        if (service !== 'registry') expect(packages).not.toContain('@grpc/reflection');
        for (const name of packages) {
          mkdirSync(dirname(join(dir, 'node_modules', name)), { recursive: true });
          symlinkSync(join(REPO_ROOT, 'node_modules', name), join(dir, 'node_modules', name));
        }
        // A file, not `node -e`: TypeORM finds its app root from the main module's path. The
        // database driver is loaded by name when TypeORM connects, so it is required here.
        writeFileSync(
          join(dir, 'load-check.js'),
          `require(${JSON.stringify(`./dist/apps/${service}/src/${module}`)});` +
            (packages.includes('typeorm') ? "require('pg');" : ''),
        );
        const { NODE_PATH: _ignored, ...env } = process.env;
        const loaded = spawnSync(
          process.execPath,
          ['--preserve-symlinks', join(dir, 'load-check.js')],
          { env, encoding: 'utf8', timeout: 60_000 },
        );
        expect(loaded.stderr).toBe('');
        expect(loaded.status).toBe(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

/** The names of a process's threads (Linux). */
function threadNames(pid: number): string[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) =>
    readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim(),
  );
}
