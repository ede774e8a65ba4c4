import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Metadata } from '@grpc/grpc-js';
import type { HooklineConfig } from '@hookline/config';
import { ApiError } from '../common/api-error';
import { pathOf } from '../common/request-path';
import { CONFIG } from '../infra/tokens';
import { PORTAL_TOKEN_PREFIX } from '../portal-sessions/portal-session.token';
import { PortalSessionsService } from '../portal-sessions/portal-sessions.service';
import { ApiKeyCache } from './api-key.cache';
import { API_KEY_PREFIX, hashApiKey, secretsEqual } from './api-key.secret';
import { AuthFailureLimiter } from './auth-failure.limiter';
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

/** HTTP methods a `read` key may call. */
const READ_METHODS = new Set(['GET', 'HEAD']);
/** gRPC handlers a `read` key may call (the services' Get… and List… methods). */
const READ_RPC = /^(get|list)/;

function isRead(ctx: ExecutionContext): boolean {
  if (ctx.getType() === 'rpc') return READ_RPC.test(ctx.getHandler().name);
  return READ_METHODS.has(ctx.switchToHttp().getRequest<{ method: string }>().method);
}

/**
 * `Authorization: Bearer hlk_…`: a project's API key, or `hlp_…`: a portal link's token (scoped to
 * its project, see PortalSessionsService.authenticate). Keys are found by hash through ApiKeyCache,
 * which forgets a revoked key before its revocation answers and refuses an expired one. A `read`
 * key is refused (403) on every route but GET. Bad credentials count towards the caller address's
 * lockout (AuthFailureLimiter). Use with @CurrentKey().
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeyCache,
    private readonly portal: PortalSessionsService,
    private readonly failures: AuthFailureLimiter,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const key = bearer(ctx);
    if (!key) throw ApiError.unauthorized();
    this.failures.refuseIfLocked(ctx);
    try {
      await this.authenticate(ctx, key);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) this.failures.failed(ctx);
      throw e;
    }
    return true;
  }

  private async authenticate(ctx: ExecutionContext, key: string): Promise<void> {
    // A portal link is the console's, scoped by HTTP route; the gRPC API takes API keys only.
    if (key.startsWith(PORTAL_TOKEN_PREFIX) && ctx.getType() === 'http') {
      const req = ctx
        .switchToHttp()
        .getRequest<{ method: string; url: string; caller: CallerKey }>();
      req.caller = await this.portal.authenticate(key, req.method, pathOf(req.url));
      return;
    }
    if (!key.startsWith(API_KEY_PREFIX)) throw ApiError.unauthorized();
    const known = await this.keys.find(hashApiKey(key));
    if (!known) throw ApiError.unauthorized('missing, invalid, revoked or expired API key');
    if (known.scope === 'read' && !isRead(ctx))
      throw new ApiError(
        403,
        'insufficient_scope',
        'this API key has scope "read": it may only call GET routes; use a key of scope "full"',
        [{ field: 'scope', message: 'read' }],
      );
    setCaller(ctx, { keyId: known.keyId, projectId: known.projectId, scope: known.scope });
  }
}

/** `Authorization: Bearer <HOOKLINE_ADMIN_TOKEN>`: creates projects and mints their keys. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(
    @Inject(CONFIG) private readonly config: HooklineConfig,
    private readonly failures: AuthFailureLimiter,
  ) {}

  canActivate(ctx: ExecutionContext): boolean {
    const token = bearer(ctx);
    const expected = this.config.HOOKLINE_ADMIN_TOKEN;
    if (!expected)
      throw new ApiError(403, 'forbidden', 'no admin token is configured (HOOKLINE_ADMIN_TOKEN)');
    if (!token) throw ApiError.unauthorized('missing or invalid admin token');
    this.failures.refuseIfLocked(ctx);
    if (!secretsEqual(token, expected)) {
      this.failures.failed(ctx);
      throw ApiError.unauthorized('missing or invalid admin token');
    }
    return true;
  }
}
