import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Metadata } from '@grpc/grpc-js';
import type { HooklineConfig } from '@hookline/config';
import { ApiError } from '../common/api-error';
import { CONFIG } from '../infra/tokens';
import { PORTAL_TOKEN_PREFIX } from '../portal-sessions/portal-session.token';
import { PortalSessionsService } from '../portal-sessions/portal-sessions.service';
import { ApiKeyCache } from './api-key.cache';
import { API_KEY_PREFIX, hashApiKey, secretsEqual } from './api-key.secret';
import { setCaller, type CallerKey } from './current-key.decorator';

/** `Authorization: Bearer …` of an HTTP request, or the `authorization` metadata of a gRPC call. */
function bearer(ctx: ExecutionContext): string | undefined {
  const header =
    ctx.getType() === 'rpc'
      ? ctx.switchToRpc().getContext<Metadata>().get('authorization')[0]
      : ctx.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>().headers
          .authorization;
  const match = /^Bearer\s+(\S+)$/i.exec(typeof header === 'string' ? header : '');
  return match?.[1];
}

/**
 * `Authorization: Bearer hlk_…`: a project's API key, or `hlp_…`: a portal link's token (scoped to
 * its project, see PortalSessionsService.authenticate). Keys are found by hash through ApiKeyCache,
 * which forgets a revoked key before its revocation answers. Use with @CurrentKey().
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeyCache,
    private readonly portal: PortalSessionsService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const key = bearer(ctx);
    // A portal link is the console's, scoped by HTTP route; the gRPC API takes API keys only.
    if (key?.startsWith(PORTAL_TOKEN_PREFIX) && ctx.getType() === 'http') {
      const req = ctx
        .switchToHttp()
        .getRequest<{ method: string; path: string; caller: CallerKey }>();
      req.caller = await this.portal.authenticate(key, req.method, req.path);
      return true;
    }
    if (!key || !key.startsWith(API_KEY_PREFIX)) throw ApiError.unauthorized();
    const known = await this.keys.find(hashApiKey(key));
    if (!known) throw ApiError.unauthorized();
    setCaller(ctx, { ...known });
    return true;
  }
}

/** `Authorization: Bearer <HOOKLINE_ADMIN_TOKEN>`: creates projects. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(@Inject(CONFIG) private readonly config: HooklineConfig) {}

  canActivate(ctx: ExecutionContext): boolean {
    const token = bearer(ctx);
    const expected = this.config.HOOKLINE_ADMIN_TOKEN;
    if (!expected)
      throw new ApiError(403, 'forbidden', 'no admin token is configured (HOOKLINE_ADMIN_TOKEN)');
    if (!token || !secretsEqual(token, expected))
      throw ApiError.unauthorized('missing or invalid admin token');
    return true;
  }
}
