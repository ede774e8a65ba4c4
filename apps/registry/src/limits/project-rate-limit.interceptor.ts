import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { catchError, throwError, type Observable } from 'rxjs';
import { ApiError } from '../common/api-error';
import { callerOf } from '../auth/current-key.decorator';
import { ProjectLimits } from './project-limits';
import {
  ACTION_LIMIT,
  RATE_BUCKET,
  type ActionLimitName,
  type RateBucketName,
} from './rate-limit.decorator';
import type { BucketVerdict } from './token-buckets';

/** `RateLimit-*` (IETF draft) and the older `X-RateLimit-*`; X-RateLimit-Reset is a unix time. */
function rateHeaders(v: BucketVerdict, now: number): Record<string, string> {
  const headers: Record<string, string> = {
    'ratelimit-limit': String(v.limit),
    'ratelimit-remaining': String(v.remaining),
    'ratelimit-reset': String(v.resetSeconds),
    'x-ratelimit-limit': String(v.limit),
    'x-ratelimit-remaining': String(v.remaining),
    'x-ratelimit-reset': String(Math.ceil(now / 1000) + v.resetSeconds),
  };
  if (!v.allowed) headers['retry-after'] = String(v.retryAfterSeconds);
  return headers;
}

/**
 * Applies a project's limits to every HTTP route and gRPC method its API key (or portal link)
 * calls, whoever wrote the route: an interceptor runs after the guards, so the caller's project is known, and before the
 * handler. Routes choose another bucket or add an action limit by decorator (rate-limit.decorator).
 * Admin-token and unauthenticated routes have no project and are not limited here.
 */
@Injectable()
export class ProjectRateLimitInterceptor implements NestInterceptor {
  constructor(
    private readonly limits: ProjectLimits,
    private readonly reflector: Reflector,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const type = ctx.getType();
    if (type !== 'http' && type !== 'rpc') return next.handle();
    const caller = callerOf(ctx);
    if (!caller) return next.handle();
    // gRPC answers carry no headers here: a refusal is RESOURCE_EXHAUSTED naming the wait.
    const http = type === 'http' ? ctx.switchToHttp() : undefined;
    const req = http?.getRequest<FastifyRequest<{ Params: Record<string, string | undefined> }>>();
    const res = http?.getResponse<FastifyReply>();
    const now = Date.now();
    const bucket = this.reflector.get<RateBucketName>(RATE_BUCKET, ctx.getHandler()) ?? 'api';
    const rate = this.limits.request(bucket, caller.projectId, now);
    if (rate) {
      const headers = rateHeaders(rate, now);
      if (!rate.allowed)
        return throwError(() =>
          ApiError.tooManyRequests(
            `this project is over its ${bucket === 'ingest' ? 'ingest' : 'API'} rate (${rate.limit} at once); retry after ${rate.retryAfterSeconds} s`,
            headers,
          ),
        );
      res?.headers(headers);
    }
    const name = this.reflector.get<ActionLimitName>(ACTION_LIMIT, ctx.getHandler());
    if (!name) return next.handle();
    const id = typeof req?.params?.id === 'string' ? req.params.id : undefined;
    const action = this.limits.action(name, caller.projectId, id, now);
    if (!action) return next.handle();
    if (!action.verdict.allowed)
      return throwError(() =>
        ApiError.tooManyRequests(
          `${action.message}; retry after ${action.verdict.retryAfterSeconds} s`,
          { 'retry-after': String(action.verdict.retryAfterSeconds) },
        ),
      );
    return next.handle().pipe(
      catchError((e: unknown) => {
        action.refund();
        return throwError(() => e);
      }),
    );
  }
}
