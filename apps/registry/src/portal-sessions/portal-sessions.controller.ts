import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Req,
  UseGuards,
} from '@nestjs/common';
import type { Request } from 'express';
import { ApiKeyGuard } from '../auth/auth.guards';
import { CurrentKey, type CallerKey } from '../auth/current-key.decorator';
import { ApiError } from '../common/api-error';
import { parseBody } from '../common/validation';
import { declareRoute } from '../openapi/route-registry';
import {
  CreatePortalSessionBody,
  CurrentPortalSessionResponse,
  PortalSessionResponse,
} from './portal-session.dto';
import { PortalSessionsService } from './portal-sessions.service';
import { ProjectOrAdminGuard, type PortalIssuer } from './project-or-admin.guard';

const tag = 'Portal sessions';
declareRoute({
  method: 'post',
  path: '/v1/portal-sessions',
  summary:
    'A console link for one project (project key, or admin token with project_id): 1 h by default, 24 h at most, optionally read-only',
  tag,
  body: CreatePortalSessionBody,
  response: PortalSessionResponse,
  status: 201,
  errors: [400, 401, 403, 404],
});
declareRoute({
  method: 'get',
  path: '/v1/portal-sessions/current',
  summary: 'The portal link the request is made with (its project, read-only, expiry)',
  tag,
  response: CurrentPortalSessionResponse,
  errors: [400, 401],
});
declareRoute({
  method: 'delete',
  path: '/v1/portal-sessions/{id}',
  summary: 'Revoke a portal link; it is refused at once',
  tag,
  status: 204,
  errors: [401, 403, 404],
});

type IssuerRequest = Request & { issuer: PortalIssuer };

@Controller('v1/portal-sessions')
export class PortalSessionsController {
  constructor(private readonly sessions: PortalSessionsService) {}

  @Post()
  @UseGuards(ProjectOrAdminGuard)
  create(@Req() req: IssuerRequest, @Body() body: unknown) {
    const input = parseBody(CreatePortalSessionBody, body ?? {});
    const { issuer } = req;
    if (issuer.admin && !input.project_id)
      throw ApiError.badRequest('project_id is required with the admin token', [
        { field: 'project_id', message: 'required with the admin token' },
      ]);
    if (!issuer.admin && input.project_id && input.project_id !== issuer.projectId)
      throw ApiError.notFound('project');
    const projectId = issuer.admin ? input.project_id! : issuer.projectId;
    const origin = `${req.protocol}://${req.get('host')}`;
    return this.sessions.create(projectId, input, issuer.admin ? 'admin' : issuer.keyId, origin);
  }

  @Get('current')
  @UseGuards(ApiKeyGuard)
  current(@CurrentKey() caller: CallerKey) {
    if (!caller.portalSessionId)
      throw ApiError.badRequest('this request is not made with a portal link');
    return this.sessions.current(caller.portalSessionId);
  }

  @Delete(':id')
  @HttpCode(204)
  @UseGuards(ProjectOrAdminGuard)
  async revoke(@Req() req: IssuerRequest, @Param('id') id: string) {
    await this.sessions.revoke(req.issuer.admin ? null : req.issuer.projectId, id);
  }
}
