import { Injectable } from '@nestjs/common';
import { DataSource, MoreThan } from 'typeorm';
import { newId } from '@hookline/contracts';
import { ProjectEntity } from '@hookline/persistence';
import { newApiKey, type CreateApiKeyBody } from '../api-keys/api-key.dto';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { ApiError } from '../common/api-error';

@Injectable()
export class ProjectsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly keys: ApiKeysService,
  ) {}

  /** A project and its first API key, in one transaction. */
  async create(name: string) {
    return this.dataSource.transaction(async (manager) => {
      const project = manager.getRepository(ProjectEntity).create({ id: newId('project'), name });
      await manager.getRepository(ProjectEntity).insert(project);
      const saved = await manager.getRepository(ProjectEntity).findOneByOrFail({ id: project.id });
      const key = await this.keys.create(saved.id, { name: 'default' }, null, manager);
      return {
        id: saved.id,
        name: saved.name,
        created_at: saved.createdAt.toISOString(),
        api_key: key.key,
        api_key_id: key.id,
      };
    });
  }

  /** Keyset pages on the id (ids grow with time, so oldest first). */
  async list(limit: number, cursor?: string) {
    const rows = await this.dataSource.getRepository(ProjectEntity).find({
      where: cursor ? { id: MoreThan(cursor) } : {},
      order: { id: 'ASC' },
      take: limit + 1,
    });
    const page = rows.slice(0, limit);
    return {
      data: page.map((p) => ({ id: p.id, name: p.name, created_at: p.createdAt.toISOString() })),
      next_cursor: rows.length > limit ? page[page.length - 1]!.id : null,
    };
  }

  /** A new API key of a project, made by the operator (no key of the project is needed). */
  async createKey(projectId: string, body: CreateApiKeyBody) {
    const exists = await this.dataSource.getRepository(ProjectEntity).existsBy({ id: projectId });
    if (!exists) throw ApiError.notFound('project');
    return this.keys.create(projectId, newApiKey(body), null);
  }
}
