import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { ApiKeyScope } from '@hookline/contracts';

/** Who is calling: the API key's id and its project. Every query of a handler is scoped by projectId. */
export interface CallerKey {
  keyId: string;
  projectId: string;
  /** The API key's scope; unset for a portal link (which carries its own read-only flag). */
  scope?: ApiKeyScope;
  /** Set when the caller holds a portal link rather than an API key. */
  portalSessionId?: string;
}

/** Where a gRPC call's caller is kept: on its metadata object, which lives as long as the call. */
const RPC_CALLER = Symbol('hookline:caller');

/** Records the authenticated caller on the HTTP request or the gRPC call (see ApiKeyGuard). */
export function setCaller(ctx: ExecutionContext, caller: CallerKey): void {
  if (ctx.getType() === 'rpc') {
    ctx.switchToRpc().getContext<Record<symbol, CallerKey>>()[RPC_CALLER] = caller;
  } else {
    ctx.switchToHttp().getRequest<{ caller: CallerKey }>().caller = caller;
  }
}

/** The caller recorded by the guard; undefined on a route no API key guard ran on. */
export function callerOf(ctx: ExecutionContext): CallerKey | undefined {
  return ctx.getType() === 'rpc'
    ? ctx.switchToRpc().getContext<Record<symbol, CallerKey | undefined>>()[RPC_CALLER]
    : ctx.switchToHttp().getRequest<{ caller?: CallerKey }>().caller;
}

export const CurrentKey = createParamDecorator((_: unknown, ctx: ExecutionContext): CallerKey =>
  callerOf(ctx)!,
);
