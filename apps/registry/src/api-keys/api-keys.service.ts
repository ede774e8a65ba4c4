import { Injectable } from '@nestjs/common';
import { DataSource, IsNull, type EntityManager } from 'typeorm';
import { newId } from '@hookline/contracts';
import { ApiKeyEntity } from '@hookline/persistence';
import { ApiError } from '../common/api-error';
import { API_KEY_REVOKED_CHANNEL, ApiKeyCache } from '../auth/api-key.cache';
import { generateApiKey, hashApiKey } from '../auth/api-key.secret';

export interface ApiKeyView {
  id: string;
  project_id: string;
  name: string | null;
  key_prefix: string;
  created_at: string;
  created_by: string | null;
  revoked_at: string | null;
}

const view = (k: ApiKeyEntity): ApiKeyView => ({
  id: k.id,
  project_id: k.projectId,
  name: k.name,
  key_prefix: k.keyPrefix,
  created_at: k.createdAt.toISOString(),
  created_by: k.createdBy,
  revoked_at: k.revokedAt?.toISOString() ?? null,
});

@Injectable()
export class ApiKeysService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cache: ApiKeyCache,
  ) {}

  /** Creates a key; the answer is the only time its secret is shown. */
  async create(
    projectId: string,
    name: string | null,
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

  /** Answers once every replica's key cache has been told (see ApiKeyCache.revoked). */
  async revoke(projectId: string, id: string): Promise<void> {
    const result = await this.dataSource.transaction(async (manager) => {
      const updated = await manager
        .getRepository(ApiKeyEntity)
        .update({ id, projectId, revokedAt: IsNull() }, { revokedAt: new Date() });
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
