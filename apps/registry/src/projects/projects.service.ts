import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { newId } from '@hookline/contracts';
import { ProjectEntity } from '@hookline/persistence';
import { ApiKeysService } from '../api-keys/api-keys.service';

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
      const key = await this.keys.create(saved.id, 'default', null, manager);
      return {
        id: saved.id,
        name: saved.name,
        created_at: saved.createdAt.toISOString(),
        api_key: key.key,
        api_key_id: key.id,
      };
    });
  }
}
