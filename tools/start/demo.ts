import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HooklineApiError, HooklineClient } from '@hookline/sdk';
import { DATA_DIR } from '../stack/stack-paths';

const FILE = join(DATA_DIR, 'demo.json');
export const DEMO_NOTIFICATION_EMAIL = 'team@demo.hookline.localhost';

export interface Demo {
  projectId: string;
  apiKey: string;
  webhookId: string;
  /** The demo webhook's secret, kept so `hookline listen` can verify (local development only). */
  secret: string;
}

/**
 * The demo project of `npm start`: a project, its API key and a webhook pointing at the local
 * receiver, made on the first start and reused after (made again when the database was reset).
 */
export async function ensureDemo(
  apiUrl: string,
  adminToken: string,
  receiverUrl: string,
): Promise<Demo> {
  if (existsSync(FILE)) {
    const saved = JSON.parse(readFileSync(FILE, 'utf8')) as Demo;
    const client = new HooklineClient({ baseUrl: apiUrl, apiKey: saved.apiKey });
    try {
      const hook = await client.webhooks.get(saved.webhookId);
      if (hook.url !== receiverUrl || !hook.active)
        await client.webhooks.update(hook.id, { url: receiverUrl, active: true });
      return saved;
    } catch (e) {
      if (!(e instanceof HooklineApiError) || (e.status !== 401 && e.status !== 404)) throw e;
    }
  }
  const admin = new HooklineClient({ baseUrl: apiUrl, adminToken });
  const project = await admin.projects.create('Demo');
  const client = new HooklineClient({ baseUrl: apiUrl, apiKey: project.api_key });
  const hook = await client.webhooks.create(receiverUrl, ['*'], {
    description: 'npm start demo receiver',
  });
  // Mailed to the local mail catcher: a disabled demo webhook shows what a team would receive.
  await client.notifications.set([DEMO_NOTIFICATION_EMAIL]);
  const demo: Demo = {
    projectId: project.id,
    apiKey: project.api_key,
    webhookId: hook.id,
    secret: hook.secret,
  };
  writeFileSync(FILE, JSON.stringify(demo, null, 2) + '\n', { mode: 0o600 });
  return demo;
}
