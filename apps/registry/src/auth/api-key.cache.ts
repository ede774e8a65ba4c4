import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { DataSource, type QueryRunner } from 'typeorm';
import { ApiKeyEntity } from '@hookline/persistence';
import type { Logger } from '@hookline/telemetry';
import { LOGGER } from '../infra/tokens';
import type { CallerKey } from './current-key.decorator';

/** Channel a revocation `pg_notify`s (key id as payload) in its transaction: delivered on commit. */
export const API_KEY_REVOKED_CHANNEL = 'hookline_api_key_revoked';
/** Bound on the entries kept; past it the cache starts over (keys in use come back in one query). */
const MAX_ENTRIES = 10_000;
const RECONNECT_MS = 1000;

type Known = Required<Pick<CallerKey, 'keyId' | 'projectId' | 'scope'>>;
/** A cached key and when it stops being valid (ms since the epoch; Infinity: never). */
type Entry = Known & { expiresAtMs: number };

/**
 * Active API keys by hash, so an authenticated request costs no query. A revocation evicts the key
 * on this replica before the revoke answers, and on every other replica through LISTEN: Postgres
 * delivers the notification when the revoking transaction commits. Entries are trusted only while
 * that listener is connected: without it nothing is cached and every request is looked up, as
 * before, so a missed notification can never keep a revoked key alive.
 */
@Injectable()
export class ApiKeyCache implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly byHash = new Map<string, Entry>();
  /** Bumped by every eviction: a lookup that started before one may have read a revoked row. */
  private generation = 0;
  private listener?: QueryRunner;
  private listening = false;
  private stopped = false;
  private reconnectTimer?: NodeJS.Timeout;
  private readonly waiters = new Map<string, Array<() => void>>();
  /** Revocations notified before their revoker started waiting (the commit races the answer). */
  private readonly notified = new Set<string>();

  constructor(
    private readonly dataSource: DataSource,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.listen().catch(() => this.scheduleReconnect());
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    const runner = this.listener;
    if (runner && !runner.isReleased)
      await runner.query(`unlisten ${API_KEY_REVOKED_CHANNEL}`).catch(() => undefined);
    this.drop();
  }

  /**
   * The active key with this hash, or undefined (unknown, revoked or expired). Expiry is checked on
   * every hit: it needs no notification, the instant is cached with the key.
   */
  async find(hash: string, now = Date.now()): Promise<Known | undefined> {
    const cached = this.byHash.get(hash);
    if (cached) return cached.expiresAtMs > now ? cached : undefined;
    const generation = this.generation;
    const row = await this.dataSource.getRepository(ApiKeyEntity).findOne({
      where: { keyHash: hash },
      select: ['id', 'projectId', 'keyHash', 'revokedAt', 'scope', 'expiresAt'],
    });
    if (!row || row.revokedAt || row.keyHash !== hash) return undefined;
    const entry: Entry = {
      keyId: row.id,
      projectId: row.projectId,
      scope: row.scope,
      expiresAtMs: row.expiresAt?.getTime() ?? Infinity,
    };
    if (entry.expiresAtMs <= now) return undefined;
    if (this.listening && generation === this.generation) {
      if (this.byHash.size >= MAX_ENTRIES) this.byHash.clear();
      this.byHash.set(hash, entry);
    }
    return entry;
  }

  /**
   * Forgets a revoked key here, then waits (bounded) until the revocation's notification came back
   * through this replica's listener: the other replicas' listeners got it at the same commit.
   */
  async revoked(keyId: string, waitMs = 1000): Promise<void> {
    this.evict(keyId);
    if (this.notified.delete(keyId) || !this.listening) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, waitMs);
      const list = this.waiters.get(keyId) ?? [];
      list.push(done);
      this.waiters.set(keyId, list);
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  private evict(keyId: string): void {
    this.generation++;
    for (const [hash, known] of this.byHash) if (known.keyId === keyId) this.byHash.delete(hash);
  }

  private async listen(): Promise<void> {
    const runner = this.dataSource.createQueryRunner();
    const client = (await runner.connect()) as {
      on(event: 'notification', fn: (n: { channel: string; payload?: string }) => void): void;
      on(event: 'error', fn: (e: Error) => void): void;
      on(event: 'end', fn: () => void): void;
    };
    this.listener = runner;
    client.on('notification', (n) => {
      if (n.channel !== API_KEY_REVOKED_CHANNEL || !n.payload) return;
      this.evict(n.payload);
      const waiting = this.waiters.get(n.payload);
      this.waiters.delete(n.payload);
      if (waiting) for (const done of waiting) done();
      else {
        if (this.notified.size >= MAX_ENTRIES) this.notified.clear();
        this.notified.add(n.payload);
      }
    });
    const lost = () => {
      if (this.listener !== runner) return;
      this.log.warn('api key cache: listener lost; looking every key up until it is back');
      this.drop();
      this.scheduleReconnect();
    };
    client.on('error', lost);
    client.on('end', lost);
    try {
      await runner.query(`listen ${API_KEY_REVOKED_CHANNEL}`);
    } catch (e) {
      this.drop();
      throw e;
    }
    this.listening = true;
  }

  /** Stops trusting the cache: nothing cached survives a gap in the notifications. */
  private drop(): void {
    this.listening = false;
    this.generation++;
    this.byHash.clear();
    const runner = this.listener;
    this.listener = undefined;
    if (runner && !runner.isReleased) void runner.release().catch(() => undefined);
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.listen().catch(() => this.scheduleReconnect());
    }, RECONNECT_MS);
    this.reconnectTimer.unref();
  }
}
