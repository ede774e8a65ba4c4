import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { StackError } from './processes';
import { REPO_ROOT } from './stack-paths';

export const PG_USER = 'postgres';

export interface PostgresBinaries {
  postgres: string;
  initdb: string;
}

export interface SystemUser {
  uid: number;
  gid: number;
}

/** Where the server runs from, and as whom. */
export interface PostgresPlacement {
  binaries: PostgresBinaries;
  dataDir: string;
  /** Set when running as root: Postgres refuses to run as root, so it runs as this user. */
  user?: SystemUser;
  /** True when the clone is closed to that user and the server runs from `runtimeRoot` instead. */
  relocated: boolean;
}

export interface PlacementOptions {
  binaries: PostgresBinaries;
  dataDir: string;
  /** Stack name, so the dev and test stacks of one clone keep apart when relocated. */
  stack: string;
  /** Where a relocated server lives (default /var/tmp, kept across reboots unlike /tmp). */
  runtimeRoot?: string;
}

/**
 * As root, Postgres runs as the `postgres` system user, which must be able to execute the server
 * binaries (in this clone's node_modules) and reach the data directory (in this clone's .data).
 * A clone in a directory closed to other users (e.g. /root, mode 700) allows neither, and initdb
 * failed with EACCES. Then the binaries are copied, once per version, and the data directory
 * placed, under `<runtimeRoot>/hookline-<hash of the clone's path>/`, which that user can reach.
 */
export function placePostgres(options: PlacementOptions): PostgresPlacement {
  if (process.getuid?.() !== 0) {
    return { binaries: options.binaries, dataDir: options.dataDir, relocated: false };
  }
  const user = ensurePostgresUser();
  mkdirSync(dirname(options.dataDir), { recursive: true });
  if (canExecute(user, options.binaries.postgres) && canEnter(user, dirname(options.dataDir))) {
    return { binaries: options.binaries, dataDir: options.dataDir, user, relocated: false };
  }
  const home = join(
    options.runtimeRoot ?? '/var/tmp',
    `hookline-${createHash('sha256').update(REPO_ROOT).digest('hex').slice(0, 12)}`,
  );
  mkdirSync(home, { recursive: true, mode: 0o755 });
  chmodSync(home, 0o755);
  const binaries = copyBinaries(options.binaries, join(home, 'embedded-postgres'));
  const dataDir = join(home, options.stack, 'postgres');
  mkdirSync(dirname(dataDir), { recursive: true, mode: 0o755 });
  if (!canExecute(user, binaries.postgres) || !canEnter(user, dirname(dataDir))) {
    throw new StackError(
      `postgres: the ${PG_USER} user can reach neither this clone nor ${home}; clone the repository outside /root (e.g. under /srv) or set DATABASE_URL to an existing server`,
    );
  }
  return { binaries, dataDir, user, relocated: true };
}

function ensurePostgresUser(): SystemUser {
  const lookup = (): SystemUser | undefined => {
    try {
      const uid = Number(execFileSync('id', ['-u', PG_USER], { stdio: 'pipe' }).toString());
      const gid = Number(execFileSync('id', ['-g', PG_USER], { stdio: 'pipe' }).toString());
      return { uid, gid };
    } catch {
      return undefined;
    }
  };
  const found = lookup();
  if (found) return found;
  for (const [cmd, args] of [
    ['groupadd', ['-f', PG_USER]],
    ['useradd', ['-r', '-g', PG_USER, '-s', '/usr/sbin/nologin', PG_USER]],
  ] as const) {
    const result = spawnSync(cmd, args, { encoding: 'utf8' });
    if (result.status !== 0) {
      throw new StackError(
        `postgres: could not create the ${PG_USER} system user that runs Postgres when started as root (${cmd}: ${(result.stderr || String(result.error)).trim()})`,
      );
    }
  }
  return lookup()!;
}

function canExecute(user: SystemUser, binary: string): boolean {
  const result = spawnSync(binary, ['--version'], { ...user, stdio: 'ignore' });
  return !result.error && result.status === 0;
}

function canEnter(user: SystemUser, dir: string): boolean {
  const result = spawnSync('/bin/sh', ['-c', 'cd -- "$1"', 'sh', dir], {
    ...user,
    stdio: 'ignore',
  });
  return !result.error && result.status === 0;
}

/** The package's native/ tree (bin, lib, share: the binaries find the rest relative to themselves). */
function copyBinaries(source: PostgresBinaries, target: string): PostgresBinaries {
  const nativeDir = dirname(dirname(source.postgres));
  const stamp = join(target, '.source');
  const { size, mtimeMs } = statSync(source.postgres);
  const version = `${nativeDir} ${size} ${mtimeMs}`;
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== version) {
    const partial = `${target}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    cpSync(nativeDir, partial, { recursive: true, verbatimSymlinks: true });
    writeFileSync(join(partial, '.source'), version);
    rmSync(target, { recursive: true, force: true });
    renameSync(partial, target);
  }
  const bin = join(target, basename(dirname(source.postgres)));
  return { postgres: join(bin, 'postgres'), initdb: join(bin, 'initdb') };
}

/** A data directory the server's user owns (initdb refuses any other). */
export function prepareDataDir(placement: PostgresPlacement): void {
  mkdirSync(placement.dataDir, { recursive: true, mode: 0o700 });
  if (placement.user) chownSync(placement.dataDir, placement.user.uid, placement.user.gid);
}
