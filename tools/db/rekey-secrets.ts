import { loadConfigOrExit } from '@hookline/config';
import { SecretBox, SecretResealer, createDataSource } from '@hookline/persistence';

/**
 * `npm run secrets:rekey`: re-seals every webhook secret under the first key of
 * HOOKLINE_ENCRYPTION_KEYS (see SecretResealer). Run it once every service has the new key ring;
 * afterwards the old key can be removed. Exit codes: 0 done, 1 failed or some secrets unreadable,
 * 78 bad configuration.
 */
const say = (line: string) => process.stdout.write(`secrets:rekey: ${line}\n`);

async function main(): Promise<number> {
  if (!process.env.HOOKLINE_ENCRYPTION_KEYS && !process.env.HOOKLINE_ENCRYPTION_KEY) {
    // parseConfig would invent a random key outside production: re-sealing under it would lose
    // every secret.
    process.stderr.write(
      'secrets:rekey: set HOOKLINE_ENCRYPTION_KEYS (new key first, then the old ones) as the services have it\n',
    );
    return 78;
  }
  const config = loadConfigOrExit();
  const box = new SecretBox(config.HOOKLINE_ENCRYPTION_KEYS);
  const dataSource = await createDataSource({
    url: config.DATABASE_URL,
    poolSize: 2,
    applicationName: 'hookline-secrets-rekey',
  }).initialize();
  try {
    say(`re-sealing webhook secrets under key ${box.sealingKeyId}…`);
    const result = await new SecretResealer(dataSource, box).run((p) =>
      say(`${p.scanned} webhooks scanned, ${p.resealed} re-sealed`),
    );
    say(`done: ${result.scanned} webhooks scanned, ${result.resealed} re-sealed`);
    if (result.unreadable.length > 0) {
      process.stderr.write(
        `secrets:rekey: no configured key opens the secrets of ${result.unreadable.length} webhooks (${result.unreadable.slice(0, 10).join(', ')}); add their key to HOOKLINE_ENCRYPTION_KEYS, or rotate their secrets\n`,
      );
      return 1;
    }
    return 0;
  } finally {
    await dataSource.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`secrets:rekey: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
