import { loadConfigOrExit } from '@hookline/config';
import { runMigrations } from '@hookline/persistence';

/** `node -r ./tools/register.js tools/db/migrate.ts`: applies pending migrations to DATABASE_URL. */
async function main() {
  const url = process.env.DATABASE_URL;
  if (!url) {
    process.stderr.write('migrate: DATABASE_URL is not set\n');
    process.exit(78);
  }
  // The same checks as the services (a placeholder password in the manifests stops here too).
  loadConfigOrExit();
  const ran = await runMigrations(url);
  process.stdout.write(ran.length ? `migrated: ${ran.join(', ')}\n` : 'migrate: up to date\n');
}

main().catch((e) => {
  process.stderr.write(`migrate: ${(e as Error).message}\n`);
  process.exit(1);
});
