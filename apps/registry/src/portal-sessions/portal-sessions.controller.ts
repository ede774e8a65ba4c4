import { Controller, Req, UseGuards } from '@nestjs/common';
import type { z } from 'zod';
import type { FastifyRequest } from 'fastify';
import { ApiKeyGuard } from '../auth/auth.guards';
import { CurrentKey, type CallerKey } from '../auth/current-key.decorator';
import { ApiError } from '../common/api-error';
import { ApiRoute, RouteBody, RouteParam } from '../openapi/api-route.decorator';
import {
  CreatePortalSessionBody,
  CurrentPortalSessionResponse,
  PortalSessionResponse,
} from './portal-session.dto';
import { PortalSessionsService } from './portal-sessions.service';
import { ProjectOrAdminGuard, type PortalIssuer } from './project-or-admin.guard';

const tag = 'Portal sessions';

type IssuerRequest = FastifyRequest & { issuer: PortalIssuer };

@Controller()
export class PortalSessionsController {
  constructor(private readonly sessions: PortalSessionsService) {}

  @ApiRoute('post', '/v1/portal-sessions', {
    summary:
      'A console link for one project (project key, or admin token with project_id): 1 h by default, 24 h at most, optionally read-only',
    tag,
    auth: 'api_key',
    body: CreatePortalSessionBody,
    bodyOptional: true,
    response: PortalSessionResponse,
    status: 201,
    errors: [403, 404],
  })
  @UseGuards(ProjectOrAdminGuard)
  create(@Req() req: IssuerRequest, @RouteBody() input: z.infer<typeof CreatePortalSessionBody>) {
    const { issuer } = req;
    if (issuer.admin && !input.project_id)
      throw ApiError.badRequest('project_id is required with the admin token', [
        { field: 'project_id', message: 'required with the admin token' },
      ]);
    if (!issuer.admin && input.project_id && input.project_id !== issuer.projectId)
      throw ApiError.notFound('project');
    const projectId = issuer.admin ? input.project_id! : issuer.projectId;
    const origin = `${req.protocol}://${req.headers.host}`;
    return this.sessions.create(projectId, input, issuer.admin ? 'admin' : issuer.keyId, origin);
  }

  @ApiRoute('get', '/v1/portal-sessions/current', {
    summary: 'The portal link the request is made with (its project, read-only, expiry)',
    tag,
    auth: 'api_key',
    response: CurrentPortalSessionResponse,
    // 404 when the request is made with an API key: there is no portal link to describe.
    errors: [404],
  })
  @UseGuards(ApiKeyGuard)
  current(@CurrentKey() caller: CallerKey) {
    if (!caller.portalSessionId) throw ApiError.notFound('portal session');
    return this.sessions.current(caller.portalSessionId);
  }

  @ApiRoute('delete', '/v1/portal-sessions/{id}', {
    summary: 'Revoke a portal link; it is refused at once',
    tag,
    auth: 'api_key',
    status: 204,
    errors: [403],
  })
  @UseGuards(ProjectOrAdminGuard)
  async revoke(@Req() req: IssuerRequest, @RouteParam('id') id: string) {
    await this.sessions.revoke(req.issuer.admin ? null : req.issuer.projectId, id);
  }
}
