import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { HooklineConfig } from '@hookline/config';
import { ApiKeyGuard } from '../auth/auth.guards';
import { AuthFailureLimiter } from '../auth/auth-failure.limiter';
import { secretsEqual } from '../auth/api-key.secret';
import { CONFIG } from '../infra/tokens';

/** Who mints or revokes portal links: the admin token (any project) or a project's API key. */
export type PortalIssuer = { admin: true } | { admin: false; keyId: string; projectId: string };

/**
 * The admin token, else a project API key. A portal token is refused even where it would be a
 * valid caller: a link must not mint longer-lived links.
 */
@Injectable()
export class ProjectOrAdminGuard implements CanActivate {
  constructor(
    @Inject(CONFIG) private readonly config: HooklineConfig,
    private readonly apiKeys: ApiKeyGuard,
    private readonly failures: AuthFailureLimiter,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<{
      headers: Record<string, string | undefined>;
      caller?: { keyId: string; projectId: string };
      issuer: PortalIssuer;
    }>();
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const admin = this.config.HOOKLINE_ADMIN_TOKEN;
    // Before the admin check: a locked-out address must not learn that a guess was right.
    if (token) this.failures.refuseIfLocked(ctx);
    if (token && admin && secretsEqual(token, admin)) {
      req.issuer = { admin: true };
      return true;
    }
    await this.apiKeys.canActivate(ctx);
    req.issuer = { admin: false, keyId: req.caller!.keyId, projectId: req.caller!.projectId };
    return true;
  }
}
