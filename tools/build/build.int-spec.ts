import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HooklineClient } from '@hookline/sdk';
import {
  builtServiceEntry,
  startHooklineProcesses,
  type HooklineProcesses,
} from '@hookline/testing';
import { build, OUT } from './build';
import { copyServiceFiles, IMAGE_SERVICES, serviceFiles } from './service-files';
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
        // A file, not `node -e`: TypeORM finds its app root from the main module's path.
        writeFileSync(
          join(dir, 'load-check.js'),
          `require(${JSON.stringify(`./dist/apps/${service}/src/${module}`)});`,
        );
        const loaded = spawnSync(process.execPath, [join(dir, 'load-check.js')], {
          env: { ...process.env, NODE_PATH: join(REPO_ROOT, 'node_modules') },
          encoding: 'utf8',
          timeout: 60_000,
        });
        expect(loaded.stderr).toBe('');
        expect(loaded.status).toBe(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
