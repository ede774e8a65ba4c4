import { Controller, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { CreateApiKeyBody } from '../api-keys/api-key.dto';
import { AdminTokenGuard } from '../auth/auth.guards';
import { ApiRoute, RouteBody, RouteParam, RouteQuery } from '../openapi/api-route.decorator';
import { ProjectsService } from './projects.service';

const CreateProjectBody = z.object({ name: z.string().trim().min(1).max(200) }).strict();
const ListProjectsQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(50),
    /** A `next_cursor` of an earlier page. */
    cursor: z.string().min(1).max(100).optional(),
  })
  .strict();
const ProjectResponse = z.object({ id: z.string(), name: z.string(), created_at: z.string() });

@Controller()
@UseGuards(AdminTokenGuard)
export class ProjectsController {
  constructor(private readonly projects: ProjectsService) {}

  @ApiRoute('post', '/v1/projects', {
    summary: 'Create a project and its first API key (admin token)',
    tag: 'Projects',
    auth: 'admin',
    body: CreateProjectBody,
    status: 201,
  })
  create(@RouteBody() body: z.infer<typeof CreateProjectBody>) {
    return this.projects.create(body.name);
  }

  @ApiRoute('get', '/v1/projects', {
    summary: 'Every project, oldest first, by cursor (admin token)',
    tag: 'Projects',
    auth: 'admin',
    query: ListProjectsQuery,
    response: z.object({ data: z.array(ProjectResponse), next_cursor: z.string().nullable() }),
  })
  list(@RouteQuery() query: z.infer<typeof ListProjectsQuery>) {
    return this.projects.list(query.limit, query.cursor);
  }

  @ApiRoute('post', '/v1/projects/{id}/api-keys', {
    summary:
      'Mint an API key for a project (admin token; its secret is shown once): scope full or read, optional expiry',
    tag: 'Projects',
    auth: 'admin',
    body: CreateApiKeyBody,
    bodyOptional: true,
    status: 201,
  })
  createKey(@RouteParam('id') id: string, @RouteBody() body: CreateApiKeyBody) {
    return this.projects.createKey(id, body);
  }
}
