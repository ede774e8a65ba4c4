import type { Command } from 'commander';
import { HooklineApiError, HooklineClient, HooklineConnectionError } from '@hookline/sdk';
import type { CliIo } from '../cli-io';
import { CliError, ExitCode, UsageError } from '../exit-codes';

export const DEFAULT_API_URL = 'http://127.0.0.1:3000';

interface GlobalFlags {
  json?: boolean;
  apiUrl?: string;
  apiKey?: string;
}

/** What an API command needs: the client, whether to print JSON, and where to print. */
export interface ApiContext {
  client: HooklineClient;
  json: boolean;
  io: CliIo;
}

export function apiContext(command: Command, io: CliIo, needsKey = true): ApiContext {
  const flags = command.optsWithGlobals<GlobalFlags>();
  const baseUrl = flags.apiUrl ?? io.env.HOOKLINE_API_URL ?? DEFAULT_API_URL;
  if (!/^https?:\/\/[^/]/.test(baseUrl))
    throw new UsageError(`the API URL must be http(s)://…, got '${baseUrl}'`);
  const apiKey = flags.apiKey ?? io.env.HOOKLINE_API_KEY;
  if (!apiKey && needsKey)
    throw new UsageError('no API key: set HOOKLINE_API_KEY or pass --api-key hlk_…');
  return { client: new HooklineClient({ baseUrl, apiKey }), json: Boolean(flags.json), io };
}

/** `--admin-token`, else HOOKLINE_ADMIN_TOKEN, for the calls that need the registry's admin token. */
export function adminToken(io: CliIo, flag: string | undefined): string {
  const token = flag ?? io.env.HOOKLINE_ADMIN_TOKEN;
  if (!token)
    throw new UsageError('no admin token: set HOOKLINE_ADMIN_TOKEN or pass --admin-token');
  return token;
}

/** The SDK's errors as one line and an exit code. */
export function toCliError(e: unknown): unknown {
  if (e instanceof HooklineApiError) {
    const details = e.details.map((d) => `${d.field}: ${d.message}`).join('; ');
    const message = e.body?.error.message ?? `HTTP ${e.status}`;
    const line = `${message}${details ? ` (${details})` : ''} [HTTP ${e.status}${e.code ? ` ${e.code}` : ''}]`;
    return new CliError(line, e.status === 404 ? ExitCode.NotFound : ExitCode.ApiError);
  }
  if (e instanceof HooklineConnectionError) return new CliError(e.message, ExitCode.ApiError);
  return e;
}

/** Wraps an API command's action: builds its context and turns SDK errors into CLI errors. */
export function apiAction<A extends unknown[]>(
  io: CliIo,
  run: (ctx: ApiContext, ...args: A) => Promise<void>,
  options: { needsKey?: boolean } = {},
) {
  return async (...args: unknown[]): Promise<void> => {
    const command = args[args.length - 1] as Command;
    const ctx = apiContext(command, io, options.needsKey ?? true);
    try {
      await run(ctx, ...(args.slice(0, -1) as A));
    } catch (e) {
      throw toCliError(e);
    }
  };
}
