import { Command } from 'commander';
import { API_KEY_SCOPES, type ApiKeyScope } from '@hookline/contracts';
import type { ApiKey } from '@hookline/sdk';
import type { CliIo } from '../cli-io';
import { printJson, printRecord, printTable } from '../output';
import { adminToken, apiAction, type ApiContext } from './api-context';
import { isoTime, oneOf } from './option-parsers';

interface KeyFlags {
  name?: string;
  scope?: ApiKeyScope;
  expiresAt?: string;
}

function printNewKey({ io, json }: ApiContext, k: ApiKey & { key: string }): void {
  if (json) return printJson(io, k);
  const { key, ...rest } = k;
  printRecord(io, rest);
  io.out(`\nkey  ${key}\n     Shown once: store it now (e.g. as HOOKLINE_API_KEY).`);
}

/** The options a new key takes, on `create` and on `mint`. */
function keyOptions(command: Command): Command {
  return command
    .option('--name <name>', 'a name to tell it apart in the list')
    .option(
      '--scope <scope>',
      `${API_KEY_SCOPES.join(' or ')}: a read key may only call GET routes (default full)`,
      oneOf(API_KEY_SCOPES),
    )
    .option('--expires-at <time>', 'refused from then on (ISO 8601; default never)', isoTime);
}

const options = (flags: KeyFlags) => ({
  name: flags.name,
  scope: flags.scope,
  expiresAt: flags.expiresAt,
});

/** `hookline api-keys list|create|revoke`, and `… mint <project>` with the admin token. */
export function registerApiKeysCommand(program: Command, io: CliIo): void {
  const keys = program
    .command('api-keys')
    .description("the project's API keys: list, create (full or read, optional expiry), revoke");

  keys
    .command('list')
    .description("the project's API keys (no secrets)")
    .action(
      apiAction(io, async (ctx) => {
        const all = await ctx.client.apiKeys.list();
        if (ctx.json) return printJson(io, all);
        printTable(io, all, [
          { header: 'id', value: (k) => k.id },
          { header: 'name', value: (k) => k.name },
          { header: 'prefix', value: (k) => k.key_prefix },
          { header: 'scope', value: (k) => k.scope },
          { header: 'expires', value: (k) => k.expires_at },
          { header: 'revoked', value: (k) => k.revoked_at },
        ]);
      }),
    );

  keyOptions(keys.command('create').description('create a key; prints its secret once')).action(
    apiAction(io, async (ctx, flags: KeyFlags) =>
      printNewKey(ctx, await ctx.client.apiKeys.create(options(flags))),
    ),
  );

  keys
    .command('revoke')
    .description('revoke a key; refused at once (the last full key of a project stays)')
    .argument('<id>', 'key id (key_…)')
    .action(
      apiAction(io, async (ctx, id: string) => {
        await ctx.client.apiKeys.revoke(id);
        if (!ctx.json) io.out(`Revoked ${id}`);
      }),
    );

  keyOptions(
    keys
      .command('mint')
      .description("mint a key for any project with the registry's admin token; prints it once")
      .argument('<project>', 'project id (prj_…)')
      .option('--admin-token <token>', 'HOOKLINE_ADMIN_TOKEN of the registry'),
  ).action(
    apiAction(
      io,
      async (ctx, projectId: string, flags: KeyFlags & { adminToken?: string }) =>
        printNewKey(
          ctx,
          await ctx.client.projects.createKey(projectId, {
            ...options(flags),
            adminToken: adminToken(io, flags.adminToken),
          }),
        ),
      { needsKey: false },
    ),
  );
}
