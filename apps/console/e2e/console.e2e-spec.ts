import type { Browser, Page } from 'playwright-core';
import {
  LoopbackReceiver,
  ensureConsoleBuilt,
  pollUntil,
  startHooklineProcesses,
  type HooklineProcesses,
} from '@hookline/testing';
import { HooklineClient } from '@hookline/sdk';
import { launchBrowser, screenshot } from './console-browser';

const member = {
  project_id: 'p',
  user_id: 'u_1',
  email: 'ada@example.com',
  role: 'developer' as const,
};

/**
 * The built console in a real headless browser against registry, fanout and dispatcher running as
 * processes on the test stack: what a person does by clicking, step after step on one page.
 */
describe('console in a browser', () => {
  let hl: HooklineProcesses;
  let browser: Browser;
  let page: Page;
  let receiver: LoopbackReceiver;
  let api: HooklineClient;
  let apiKey: string;
  let webhookId: string;
  let firstSecret: string;
  let deliveryId: string;

  const consoleUrl = () => `${hl.apiUrl}/console/`;

  beforeAll(async () => {
    await ensureConsoleBuilt();
    // All three are waited for and kept, so that afterAll stops each even when another failed to
    // start: a browser left running keeps Jest from ever exiting.
    const started = await Promise.allSettled([
      startHooklineProcesses({ logPrefix: 'console' }).then((up) => (hl = up)),
      launchBrowser().then((up) => (browser = up)),
      LoopbackReceiver.start().then((up) => (receiver = up)),
    ]);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    const admin = new HooklineClient({ baseUrl: hl.apiUrl, adminToken: hl.adminToken });
    apiKey = (await admin.projects.create('Console')).api_key;
    api = new HooklineClient({ baseUrl: hl.apiUrl, apiKey });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(60_000);
  });
  /** A fresh tab (its own context and sessionStorage), closed after its test even when it fails. */
  const tabs: Page[] = [];
  const newTab = async () => {
    const tab = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    // A loaded CI machine renders slowly; a wedge still fails within the test's own timeout.
    tab.setDefaultTimeout(60_000);
    tabs.push(tab);
    return tab;
  };
  afterEach(async () => {
    await Promise.all(tabs.splice(0).map((tab) => tab.close().catch(() => undefined)));
  });

  afterAll(async () => {
    await browser?.close();
    await receiver?.close();
    await hl?.stop();
  });

  it('should be served at /console and be the only page that may be framed', async () => {
    const res = await fetch(`${hl.apiUrl}/console`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe('frame-ancestors *');
    expect(await res.text()).toContain('<div id="root">');
    const api = await fetch(`${hl.apiUrl}/v1/event-types`);
    expect(api.headers.get('x-frame-options')).toBe('DENY');
    expect(api.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
  });

  it('should refuse a wrong key in words and sign in with a project key', async () => {
    await page.goto(consoleUrl());
    await screenshot(page, '01-sign-in');
    await page.getByLabel('Project API key').fill('hlk_not-a-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page
      .getByRole('alert')
      .getByText('missing, invalid, revoked or expired API key')
      .waitFor();

    await page.getByLabel('Project API key').fill(apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('No webhooks yet').waitFor();
    await screenshot(page, '02-webhooks-empty');
  });

  it('should show the API’s refusal of a URL and check the form before sending', async () => {
    await page.getByRole('link', { name: 'Add endpoint' }).click();
    await page.getByRole('button', { name: 'Create webhook' }).click();
    await page.getByText('Enter the endpoint URL.').waitFor();

    await page.getByLabel('Endpoint URL').fill('http://169.254.169.254/latest');
    await page.getByLabel('Events', { exact: true }).fill('project.member.created');
    await page.getByRole('button', { name: 'Create webhook' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/url/i);
  });

  it('should create a webhook and show its secret once', async () => {
    await page.getByLabel('Endpoint URL').fill(receiver.url);
    await page.getByLabel('Events', { exact: true }).fill('');
    await page.getByLabel('Add from the catalog').selectOption('project.member.created');
    await page.getByLabel('Description (optional)').fill('console test endpoint');
    await page.getByRole('button', { name: 'Create webhook' }).click();
    const secret = page.getByTestId('secret');
    await secret.waitFor();
    firstSecret = (await secret.textContent())!;
    expect(firstSecret).toMatch(/^whsec_/);
    await screenshot(page, '03-webhook-created-secret');
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('heading', { name: receiver.url }).waitFor();
    webhookId = decodeURIComponent(new URL(page.url()).hash.split('/').pop()!);
    expect(webhookId).toMatch(/^wh_/);
    expect(await page.content()).not.toContain(firstSecret);
  });

  it('should show the delivery of a published event with its attempt', async () => {
    const { id: eventId } = await api.events.publish('project.member.created', member);
    const row = page.getByTestId('delivery-row').filter({ hasText: 'project.member.created' });
    await row.first().waitFor({ timeout: 30_000 });
    await pollUntil(async () => (await row.first().getAttribute('data-status')) === 'succeeded', {
      timeoutMs: 30_000,
      message: 'the delivery shown as succeeded',
    });
    await screenshot(page, '04-webhook-with-deliveries');
    await row.first().getByRole('link').click();
    await page.getByText(`(${eventId})`).waitFor();
    deliveryId = decodeURIComponent(new URL(page.url()).hash.split('/').pop()!);
    const attempt = page.getByTestId('attempt');
    await attempt.first().getByText('HTTP 200').waitFor();
    await screenshot(page, '05-delivery');
  });

  it('should redeliver and show the new attempt', async () => {
    await page.getByRole('button', { name: 'Redeliver' }).click();
    await page.getByRole('status').getByText('Attempt 2 queued.').waitFor();
    await page.getByText('Attempt 2 (redeliver)').waitFor({ timeout: 30_000 });
    await pollUntil(() => receiver.requests.length >= 2, { message: 'the redelivery received' });
    await page.getByRole('link', { name: `← Webhook ${webhookId}` }).click();
  });

  it('should send a test ping and show its attempt', async () => {
    await page.getByRole('button', { name: 'Send test' }).click();
    const result = page.getByTestId('test-result');
    await result.getByText('succeeded').waitFor({ timeout: 30_000 });
    expect(await result.textContent()).toContain('HTTP 200');
  });

  it('should filter the log by status and by event type', async () => {
    const rows = page.getByTestId('delivery-row');
    await page.getByLabel('Event type or id').fill('webhook.ping');
    await page.getByRole('button', { name: 'Apply' }).click();
    await pollUntil(async () => (await rows.count()) === 1, { message: 'only the ping listed' });
    expect(await rows.first().textContent()).toContain('webhook.ping');

    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByLabel('Status').selectOption('failed');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('No deliveries match these filters.').waitFor();
    await screenshot(page, '06-delivery-log-filtered');
    await page.getByRole('button', { name: 'Clear' }).click();
    await pollUntil(async () => (await rows.count()) === 2, { message: 'both deliveries listed' });
  });

  it('should rotate the secret and show the new one once', async () => {
    await page.getByLabel('The old secret keeps signing for (hours, 0–24)').fill('25');
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByText('Enter a number of hours from 0 to 24.').waitFor();
    await page.getByLabel('The old secret keeps signing for (hours, 0–24)').fill('1');
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    const secret = page.getByTestId('secret');
    await secret.waitFor();
    const rotated = (await secret.textContent())!;
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(firstSecret);
    await page.getByText('Previous secret signs until').waitFor();
    await screenshot(page, '07-secret-rotated');
    await page.getByRole('button', { name: 'Done' }).click();
  });

  it('should disable and re-enable the webhook', async () => {
    await page.getByRole('button', { name: 'Disable' }).click();
    await page.locator('.title-row .badge', { hasText: /^disabled/ }).waitFor();
    expect((await api.webhooks.get(webhookId)).active).toBe(false);
    await page.getByRole('button', { name: 'Enable' }).click();
    await page.locator('.title-row .badge', { hasText: /^active$/ }).waitFor();
    expect((await api.webhooks.get(webhookId)).active).toBe(true);
  });

  it('should edit the webhook', async () => {
    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    await page.getByLabel('Events', { exact: true }).fill('project.member.*');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('project.member.*').first().waitFor();
    // The text also shows before the save has answered (the form, the catalog's wildcards).
    await pollUntil(
      async () => (await api.webhooks.get(webhookId)).events.join() === 'project.member.*',
      { message: 'the edited events saved' },
    );
  });

  it('should list the webhook, also in a narrow window', async () => {
    await page.getByRole('link', { name: '← Webhooks' }).click();
    await page.getByTestId('webhook-row').first().waitFor();
    await screenshot(page, '08-webhooks-list');
    await page.setViewportSize({ width: 390, height: 800 });
    await screenshot(page, '09-webhooks-list-narrow');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('should delete the webhook after a confirmation', async () => {
    await page.getByRole('link', { name: receiver.url }).click();
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect((await api.webhooks.get(webhookId)).id).toBe(webhookId);
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('button', { name: 'Delete webhook' }).click();
    await page.getByText('No webhooks yet').waitFor();
    await expect(api.webhooks.get(webhookId)).rejects.toMatchObject({ status: 404 });
    expect(deliveryId).toMatch(/^msg_/);
  });

  describe('opened by a portal link', () => {
    let portalHook: string;

    beforeAll(async () => {
      portalHook = (await api.webhooks.create(receiver.url, ['project.member.created'])).id;
    });

    /** A fresh tab (its own sessionStorage) opening the link, as an embedding product would. */
    const openLink = async (url: string) => {
      const tab = await newTab();
      await tab.goto(url);
      await tab.getByTestId('webhook-row').first().waitFor();
      expect(tab.url()).not.toContain('hlp_');
      return tab;
    };

    it('should sign in with nothing else and manage the project’s webhooks', async () => {
      const link = await api.portalSessions.create();
      const tab = await openLink(link.url);
      await tab.getByRole('note').getByText('Portal link').waitFor();
      await tab.getByRole('link', { name: receiver.url }).click();
      await tab.getByRole('button', { name: 'Disable' }).click();
      await tab.getByRole('button', { name: 'Enable' }).waitFor();
      expect((await api.webhooks.get(portalHook)).active).toBe(false);
      await tab.getByRole('button', { name: 'Enable' }).click();
      await tab.getByRole('button', { name: 'Disable' }).waitFor();
      await screenshot(tab, '10-portal-webhook');
      await tab.close();
    });

    it('should offer no writes on a read-only link, and the API should refuse them', async () => {
      const link = await api.portalSessions.create({ read_only: true });
      const tab = await openLink(link.url);
      await tab.getByText('read-only: changes are turned off').waitFor();
      expect(await tab.getByRole('link', { name: 'Add endpoint' }).count()).toBe(0);
      await tab.getByRole('link', { name: receiver.url }).click();
      for (const name of ['Edit', 'Disable', 'Send test', 'Delete'])
        expect(await tab.getByRole('button', { name, exact: true }).isDisabled()).toBe(true);
      await screenshot(tab, '11-portal-read-only');
      // The same token, from the page, straight at the API: refused in words.
      const refused = await tab.evaluate(async () => {
        const { token } = JSON.parse(sessionStorage.getItem('hookline.console.session')!);
        const res = await fetch('/v1/webhooks', {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ url: 'http://127.0.0.1:9/', events: ['*'] }),
        });
        return { status: res.status, body: await res.json() };
      });
      expect(refused).toMatchObject({
        status: 403,
        body: { error: { message: 'this portal link is read-only' } },
      });
      await tab.close();
    });

    it('should send the tab back to sign-in once the link has expired', async () => {
      // Long enough for the first render on a loaded machine, short enough to wait out.
      const link = await api.portalSessions.create({ ttl_seconds: 10 });
      const tab = await openLink(link.url);
      await pollUntil(() => Date.parse(link.expires_at) < Date.now(), {
        timeoutMs: 15_000,
        message: 'the link’s expiry',
      });
      await tab.reload();
      await tab.getByText('this portal link has expired').waitFor();
      await tab.getByLabel('Project API key').waitFor();
      await screenshot(tab, '12-portal-expired');
      await tab.close();
    });

    it('should refuse a revoked link', async () => {
      const link = await api.portalSessions.create();
      await api.portalSessions.revoke(link.id);
      const tab = await newTab();
      await tab.goto(link.url);
      await tab.getByText('invalid or revoked portal link').waitFor();
      await tab.close();
    });
  });

  describe('charts, event catalog, project log and the operator', () => {
    let live: string;
    let dead: string;
    let failed: string[];
    let flaky: LoopbackReceiver;

    beforeAll(async () => {
      await page.goto(`${consoleUrl()}#/webhooks`);
      live = (await api.webhooks.create(receiver.url, ['project.member.created'])).id;
      // An endpoint answering 500: its test pings (manual attempts, never retried) end failed.
      flaky = await LoopbackReceiver.start();
      flaky.answer({ status: 500, body: 'down' });
      dead = (await api.webhooks.create(flaky.url, ['project.updated'])).id;
      failed = [(await api.webhooks.test(dead)).delivery_id];
      failed.push((await api.webhooks.test(dead)).delivery_id);
    });
    afterAll(() => flaky?.close());

    it('should send a test event of a type from the catalog and show its delivery', async () => {
      await page.getByRole('link', { name: 'Event catalog' }).click();
      const entry = page.getByRole('region', { name: 'project.member.created', exact: true });
      await entry.getByText('JSON Schema of data').click();
      await entry.locator('summary', { hasText: 'Send a test event of this type' }).click();
      await entry.getByLabel('Webhook').selectOption(live);
      await entry.getByLabel(/^Data/).fill(JSON.stringify(member));
      await entry.getByRole('button', { name: 'Send a test event of this type' }).click();
      await entry
        .getByTestId('test-event-result')
        .getByText('succeeded')
        .waitFor({ timeout: 30_000 });
      await screenshot(page, '13-event-catalog');
    });

    it('should redeliver several failed deliveries together from the project log', async () => {
      flaky.answer({ status: 200, body: 'ok' });
      await page.getByRole('link', { name: 'Deliveries', exact: true }).click();
      for (const id of failed) await page.getByLabel(`Select ${id}`).check();
      await screenshot(page, '14-project-deliveries-selected');
      await page.getByRole('button', { name: 'Redeliver selected (2)' }).click();
      await page.getByRole('status').getByText('2 redeliveries queued.').waitFor();
      await pollUntil(
        async () =>
          (await Promise.all(failed.map((id) => api.deliveries.get(id)))).every(
            (d) => d.status === 'succeeded',
          ),
        { timeoutMs: 30_000, message: 'both redelivered' },
      );
      const row = page.getByTestId('delivery-row').filter({ hasText: failed[0]! });
      await pollUntil(async () => (await row.getAttribute('data-status')) === 'succeeded', {
        timeoutMs: 10_000,
        message: 'the log showing the redelivery',
      });
    });

    it('should chart the project and each webhook, and show success rates in the list', async () => {
      const charts = page.getByTestId('delivery-charts');
      await charts.locator('.recharts-bar-rectangle').first().waitFor({ timeout: 20_000 });
      await charts.getByRole('button', { name: 'Last 24 h' }).click();
      await charts.getByText('failed · ').waitFor();
      await screenshot(page, '15-project-charts');
      await page.goto(`${consoleUrl()}#/webhooks/${dead}`);
      await charts.locator('.recharts-surface').first().waitFor({ timeout: 20_000 });
      expect(await charts.getByTestId('stats-totals').textContent()).toContain('2 succeeded');
      await screenshot(page, '16-webhook-charts');
      await page.getByRole('link', { name: 'Webhooks', exact: true }).click();
      const rate = page
        .getByTestId('webhook-row')
        .filter({ hasText: flaky.url })
        .getByTestId('success-rate');
      await pollUntil(async () => (await rate.textContent()) === '50.0 %', {
        timeoutMs: 20_000,
        message: "the dead webhook's success rate",
      });
    });

    it('should list projects, create one and mint a key and a portal link, as the operator', async () => {
      const tab = await newTab();
      await tab.goto(consoleUrl());
      await tab.getByLabel('Operator (admin token)').check();
      await tab.getByLabel('Admin token', { exact: true }).fill(hl.adminToken);
      await tab.getByRole('button', { name: 'Sign in' }).click();
      await tab.getByTestId('project-row').filter({ hasText: 'Console' }).first().waitFor();
      await tab.getByLabel("New project's name").fill('Operated');
      await tab.getByRole('button', { name: 'Create project' }).click();
      const created = (await tab.getByTestId('secret').first().textContent())!;
      expect(created).toMatch(/^hlk_/);
      const row = tab.getByTestId('project-row').filter({ hasText: 'Operated' });
      await row.getByRole('button', { name: 'Mint an API key' }).click();
      const minted = (await row.getByTestId('secret').first().textContent())!;
      expect(minted).toMatch(/^hlk_/);
      await new HooklineClient({ baseUrl: hl.apiUrl, apiKey: minted }).webhooks.page();
      await row.getByRole('button', { name: 'Portal link' }).click();
      await row.getByText('/console').waitFor();
      await screenshot(tab, '17-operator');
      await tab.close();
    });
  });
});
