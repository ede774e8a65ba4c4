import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

/** Who is calling: the API key's id and its project. Every query of a handler is scoped by projectId. */
export interface CallerKey {
  keyId: string;
  projectId: string;
  /** Set when the caller holds a portal link rather than an API key. */
  portalSessionId?: string;
}

export const CurrentKey = createParamDecorator((_: unknown, ctx: ExecutionContext): CallerKey => {
  return ctx.switchToHttp().getRequest<{ caller: CallerKey }>().caller;
});
