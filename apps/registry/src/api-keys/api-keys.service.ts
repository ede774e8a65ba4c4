import { Injectable } from '@nestjs/common';
import { DataSource, IsNull, type EntityManager } from 'typeorm';
import { newId, type ApiKeyScope } from '@hookline/contracts';
import { ApiKeyEntity } from '@hookline/persistence';
import { ApiError } from '../common/api-error';
import { API_KEY_REVOKED_CHANNEL, ApiKeyCache } from '../auth/api-key.cache';
import { generateApiKey, hashApiKey } from '../auth/api-key.secret';

export interface ApiKeyView {
  id: string;
  project_id: string;
  name: string | null;
  key_prefix: string;
  scope: ApiKeyScope;
  expires_at: string | null;
  created_at: string;
  created_by: string | null;
  revoked_at: string | null;
}

const view = (k: ApiKeyEntity): ApiKeyView => ({
  id: k.id,
  project_id: k.projectId,
  name: k.name,
  key_prefix: k.keyPrefix,
  scope: k.scope,
  expires_at: k.expiresAt?.toISOString() ?? null,
  created_at: k.createdAt.toISOString(),
  created_by: k.createdBy,
  revoked_at: k.revokedAt?.toISOString() ?? null,
});

/** What a new key may do and until when (default: `full`, never expires). */
export interface NewApiKey {
  name: string | null;
  scope?: ApiKeyScope;
  expiresAt?: Date | null;
}

/** A key that still opens every route: not revoked, not expired, scope `full`. */
const grantsFull = (k: ApiKeyEntity, now: number) =>
  k.scope === 'full' && !k.revokedAt && (!k.expiresAt || k.expiresAt.getTime() > now);

@Injectable()
export class ApiKeysService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cache: ApiKeyCache,
  ) {}

  /** Creates a key; the answer is the only time its secret is shown. */
  async create(
    projectId: string,
    { name, scope = 'full', expiresAt = null }: NewApiKey,
    createdBy: string | null,
    manager?: EntityManager,
  ): Promise<ApiKeyView & { key: string }> {
    const key = generateApiKey();
    const repo = (manager ?? this.dataSource.manager).getRepository(ApiKeyEntity);
    const entity = repo.create({
      id: newId('apiKey'),
      projectId,
      name,
      keyPrefix: key.slice(0, 10),
      keyHash: hashApiKey(key),
      scope,
      expiresAt,
      createdBy,
      revokedAt: null,
    });
    await repo.insert(entity);
    const saved = await repo.findOneByOrFail({ id: entity.id });
    return { ...view(saved), key };
  }

  async list(projectId: string): Promise<ApiKeyView[]> {
    const rows = await this.dataSource
      .getRepository(ApiKeyEntity)
      .find({ where: { projectId }, order: { id: 'ASC' } });
    return rows.map(view);
  }

  /**
   * Answers once every replica's key cache has been told (see ApiKeyCache.revoked). The last key of
   * scope `full` that has not expired stays: without it the project could not manage itself (only
   * the admin token could mint it a new one).
   */
  async revoke(projectId: string, id: string): Promise<void> {
    const result = await this.dataSource.transaction(async (manager) => {
      const repo = manager.getRepository(ApiKeyEntity);
      // Locks the project's keys: two keys revoking each other at once cannot both pass the check.
      const keys = await repo.find({
        where: { projectId, revokedAt: IsNull() },
        lock: { mode: 'pessimistic_write' },
      });
      const now = Date.now();
      const target = keys.find((k) => k.id === id);
      if (target && grantsFull(target, now) && !keys.some((k) => k.id !== id && grantsFull(k, now)))
        throw ApiError.conflict(
          `${id} is the last unexpired API key of scope "full" of this project: create another full key before revoking it`,
        );
      const updated = await repo.update(
        { id, projectId, revokedAt: IsNull() },
        { revokedAt: new Date() },
      );
      if (updated.affected)
        await manager.query(`select pg_notify('${API_KEY_REVOKED_CHANNEL}', $1)`, [id]);
      return updated;
    });
    if (result.affected) await this.cache.revoked(id);
    else {
      const exists = await this.dataSource.getRepository(ApiKeyEntity).existsBy({ id, projectId });
      if (!exists) throw ApiError.notFound('API key');
    }
  }
}
