import { Injectable } from '@nestjs/common';
import { DataSource, IsNull } from 'typeorm';
import { newId } from '@hookline/contracts';
import { PortalSessionEntity, ProjectEntity } from '@hookline/persistence';
import { hashApiKey, secretsEqual } from '../auth/api-key.secret';
import { ApiError } from '../common/api-error';
import type { CallerKey } from '../auth/current-key.decorator';
import { DEFAULT_TTL_SECONDS, type CreatePortalSessionBody } from './portal-session.dto';
import { generatePortalToken, isWrite, portalMayReach } from './portal-session.token';

export interface PortalSessionView {
  id: string;
  project_id: string;
  read_only: boolean;
  expires_at: string;
}

const view = (s: PortalSessionEntity): PortalSessionView => ({
  id: s.id,
  project_id: s.projectId,
  read_only: s.readOnly,
  expires_at: s.expiresAt.toISOString(),
});

@Injectable()
export class PortalSessionsService {
  constructor(private readonly dataSource: DataSource) {}

  /** Mints a link; the answer is the only time its token (inside `url`) is shown. */
  async create(
    projectId: string,
    body: CreatePortalSessionBody,
    createdBy: string,
    origin: string,
  ): Promise<PortalSessionView & { url: string }> {
    const exists = await this.dataSource.getRepository(ProjectEntity).existsBy({ id: projectId });
    if (!exists) throw ApiError.notFound('project');
    const token = generatePortalToken();
    const repo = this.dataSource.getRepository(PortalSessionEntity);
    const entity = repo.create({
      id: newId('portalSession'),
      projectId,
      tokenHash: hashApiKey(token),
      readOnly: body.read_only ?? false,
      expiresAt: new Date(Date.now() + (body.ttl_seconds ?? DEFAULT_TTL_SECONDS) * 1000),
      createdBy,
      revokedAt: null,
    });
    await repo.insert(entity);
    // The token rides in the fragment: browsers never send it to a server, nor to a Referer.
    return { ...view(entity), url: `${origin}/console/#/portal/${token}` };
  }

  async current(sessionId: string): Promise<PortalSessionView> {
    const row = await this.dataSource
      .getRepository(PortalSessionEntity)
      .findOneByOrFail({ id: sessionId });
    return view(row);
  }

  /** Revoked links are refused at once (tokens are looked up on every request). */
  async revoke(projectId: string | null, id: string): Promise<void> {
    const where = projectId ? { id, projectId } : { id };
    const repo = this.dataSource.getRepository(PortalSessionEntity);
    const result = await repo.update({ ...where, revokedAt: IsNull() }, { revokedAt: new Date() });
    if (!result.affected && !(await repo.existsBy(where)))
      throw ApiError.notFound('portal session');
  }

  /**
   * The caller of a request bearing a portal token: its project, as long as the link is neither
   * expired nor revoked, for the routes a portal may reach, and for reads only when read-only.
   */
  async authenticate(token: string, method: string, path: string): Promise<CallerKey> {
    const hash = hashApiKey(token);
    const row = await this.dataSource
      .getRepository(PortalSessionEntity)
      .findOne({ where: { tokenHash: hash } });
    if (!row || row.revokedAt || !secretsEqual(row.tokenHash, hash))
      throw ApiError.unauthorized('invalid or revoked portal link');
    if (row.expiresAt.getTime() <= Date.now())
      throw ApiError.unauthorized('this portal link has expired');
    if (!portalMayReach(path))
      throw new ApiError(403, 'forbidden', 'a portal link manages webhooks and deliveries only');
    if (row.readOnly && isWrite(method))
      throw new ApiError(403, 'forbidden', 'this portal link is read-only');
    return { keyId: row.id, projectId: row.projectId, portalSessionId: row.id };
  }
}
