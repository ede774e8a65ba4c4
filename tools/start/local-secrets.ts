import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATA_DIR } from '../stack/stack-paths';

const FILE = join(DATA_DIR, 'local-secrets.json');

/**
 * The admin token and encryption key of the local installation, made once and kept under .data/
 * so webhook secrets stay readable across restarts. The environment wins when it sets them.
 */
export function localSecrets(): { adminToken: string; encryptionKey: string } {
  let stored: { adminToken?: string; encryptionKey?: string } = {};
  if (existsSync(FILE)) stored = JSON.parse(readFileSync(FILE, 'utf8'));
  const next = {
    adminToken: stored.adminToken ?? `hla_${randomBytes(24).toString('base64url')}`,
    encryptionKey: stored.encryptionKey ?? randomBytes(32).toString('base64'),
  };
  if (next.adminToken !== stored.adminToken || next.encryptionKey !== stored.encryptionKey) {
    mkdirSync(DATA_DIR, { recursive: true });
    writeFileSync(FILE, JSON.stringify(next, null, 2) + '\n', { mode: 0o600 });
  }
  return {
    adminToken: process.env.HOOKLINE_ADMIN_TOKEN || next.adminToken,
    encryptionKey: process.env.HOOKLINE_ENCRYPTION_KEY || next.encryptionKey,
  };
}
