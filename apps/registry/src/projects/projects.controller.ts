import { Controller, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { AdminTokenGuard } from '../auth/auth.guards';
import { ApiRoute, RouteBody } from '../openapi/api-route.decorator';
import { ProjectsService } from './projects.service';

const CreateProjectBody = z.object({ name: z.string().trim().min(1).max(200) }).strict();

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
}
