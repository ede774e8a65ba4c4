import { Body, Controller, Post, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { AdminTokenGuard } from '../auth/auth.guards';
import { parseBody } from '../common/validation';
import { declareRoute } from '../openapi/route-registry';
import { ProjectsService } from './projects.service';

const CreateProjectBody = z.object({ name: z.string().trim().min(1).max(200) }).strict();

declareRoute({
  method: 'post',
  path: '/v1/projects',
  summary: 'Create a project and its first API key (admin token)',
  tag: 'Projects',
  auth: 'admin',
  body: CreateProjectBody,
  status: 201,
});

@Controller('v1/projects')
@UseGuards(AdminTokenGuard)
export class ProjectsController {
  constructor(private readonly projects: ProjectsService) {}

  @Post()
  create(@Body() body: unknown) {
    return this.projects.create(parseBody(CreateProjectBody, body).name);
  }
}
