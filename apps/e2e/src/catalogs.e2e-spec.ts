import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BRIEF_PAYLOADS, CatalogFileSchema, type CatalogFile } from '@hookline/contracts';
import { HooklineClient } from '@hookline/sdk';
import { constructEvent } from '@hookline/signing';
import {
  LoopbackReceiver,
  pollUntil,
  startHooklineProcesses,
  type HooklineProcesses,
} from '@hookline/testing';

const catalog = (file: string): CatalogFile =>
  CatalogFileSchema.parse(
    JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'catalogs', file), 'utf8')),
  );

/** The brief's catalogs, imported into a running registry, deliver without a restart. */
describe('Catalogs end to end', () => {
  let hl: HooklineProcesses;
  let admin: HooklineClient;
  let receiver: LoopbackReceiver;

  beforeAll(async () => {
    hl = await startHooklineProcesses();
    admin = new HooklineClient({ baseUrl: hl.apiUrl, adminToken: hl.adminToken });
    receiver = await LoopbackReceiver.start();
  });
  afterAll(async () => {
    await receiver?.close();
    await hl?.stop();
  });

  it("should deliver each imported catalog's example and the brief's documented payloads as sent", async () => {
    const files = ['hostwares.json', 'paas.json', 'cryptohopper.json'].map(catalog);
    for (const file of files)
      for (const type of file.event_types) await admin.eventTypes.create(type);

    const project = await admin.projects.create('Catalogs');
    const client = new HooklineClient({ baseUrl: hl.apiUrl, apiKey: project.api_key });
    const hook = await client.webhooks.create(receiver.url, [
      'deployment.*',
      'APP_DEPLOY',
      'trade_completed',
      'ignite.deployment.container.metrics_update',
    ]);
    const sent = [
      ...files.map((f) => {
        const type = f.event_types.find((t) =>
          ['deployment.completed', 'APP_DEPLOY', 'trade_completed'].includes(t.name),
        )!;
        return { event: type.name, data: { ...type.example, added_later: { any: 'shape' } } };
      }),
      ...BRIEF_PAYLOADS.map((p) => ({ event: p.event, data: p.data })),
    ];
    for (const { event, data } of sent) {
      const { id } = await client.events.publish(event as never, data as never);
      const [request] = await pollUntil(
        () => receiver.forEvent(id).length > 0 && receiver.forEvent(id),
        { timeoutMs: 30_000, message: `delivery of ${event}` },
      );
      const delivered = await constructEvent(
        request!.body,
        request!.headers as Record<string, string>,
        hook.secret,
      );
      expect(delivered).toMatchObject({ id, event, data });
    }
  });
});
