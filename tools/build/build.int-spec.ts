import { existsSync } from 'node:fs';
import { HooklineClient } from '@hookline/sdk';
import {
  builtServiceEntry,
  startHooklineProcesses,
  type HooklineProcesses,
} from '@hookline/testing';
import { build } from './build';

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
});
