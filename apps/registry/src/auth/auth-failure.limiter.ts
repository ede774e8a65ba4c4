import { Inject, Injectable, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { HooklineConfig } from '@hookline/config';
import { ApiError } from '../common/api-error';
import { CONFIG } from '../infra/tokens';

/** Bound on the addresses tracked; past it the quiet ones are forgotten. */
const MAX_ADDRESSES = 100_000;
const WINDOW_MS = 60_000;

interface Failures {
  count: number;
  windowStart: number;
  lockedUntil: number;
}

/**
 * Slows down guessing credentials: a client address that presents more than
 * HOOKLINE_AUTH_FAILURES_PER_MINUTE bad API keys, portal links or admin tokens is answered 429 on
 * every credential it presents for HOOKLINE_AUTH_LOCKOUT, good ones included — a lockout that let a
 * right guess through would still answer which guess was right. Other addresses are untouched,
 * and requests that present no credential are not counted. HTTP only; the address is Fastify's
 * `request.ip` (HOOKLINE_TRUST_PROXY decides whether X-Forwarded-For names it).
 */
@Injectable()
export class AuthFailureLimiter {
  private readonly byAddress = new Map<string, Failures>();
  private readonly perMinute: number;
  private readonly lockoutMs: number;

  constructor(@Inject(CONFIG) config: HooklineConfig) {
    this.perMinute = config.HOOKLINE_AUTH_FAILURES_PER_MINUTE;
    this.lockoutMs = config.HOOKLINE_AUTH_LOCKOUT;
  }

  /** Throws 429 when the caller's address is locked out. Costs nothing while no one failed. */
  refuseIfLocked(ctx: ExecutionContext, now = Date.now()): void {
    if (this.byAddress.size === 0) return;
    const address = addressOf(ctx);
    const entry = address === undefined ? undefined : this.byAddress.get(address);
    if (!entry || entry.lockedUntil <= now) return;
    const seconds = Math.ceil((entry.lockedUntil - now) / 1000);
    throw ApiError.tooManyRequests(
      `too many invalid credentials from this address; retry after ${seconds} s`,
      { 'retry-after': String(seconds) },
    );
  }

  /** Counts a bad credential presented by the caller's address. */
  failed(ctx: ExecutionContext, now = Date.now()): void {
    const address = addressOf(ctx);
    if (this.perMinute === 0 || address === undefined) return;
    let entry = this.byAddress.get(address);
    if (!entry || now - entry.windowStart >= WINDOW_MS) {
      if (!entry && this.byAddress.size >= MAX_ADDRESSES) this.forgetQuiet(now);
      entry = { count: 0, windowStart: now, lockedUntil: 0 };
      this.byAddress.set(address, entry);
    }
    entry.count++;
    if (entry.count > this.perMinute) entry.lockedUntil = now + this.lockoutMs;
  }

  private forgetQuiet(now: number): void {
    for (const [address, entry] of this.byAddress)
      if (entry.lockedUntil <= now && now - entry.windowStart >= WINDOW_MS)
        this.byAddress.delete(address);
    if (this.byAddress.size >= MAX_ADDRESSES) this.byAddress.clear();
  }
}

function addressOf(ctx: ExecutionContext): string | undefined {
  if (ctx.getType() !== 'http') return undefined;
  return ctx.switchToHttp().getRequest<FastifyRequest>().ip;
}
