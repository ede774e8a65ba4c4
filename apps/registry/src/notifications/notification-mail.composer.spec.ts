import type { PendingDeadDelivery } from '@hookline/persistence';
import { DIGEST_LISTED, NotificationMails } from './notification-mail.composer';

const project = { id: 'prj_1', name: 'Acme' };
const dead = (n: number, webhookId = 'wh_1'): PendingDeadDelivery => ({
  eventId: `evt_op${n}`,
  projectId: 'prj_1',
  webhookId,
  deliveryId: `msg_${n}`,
  deadEventId: `evt_${n}`,
  eventType: 'project.updated',
  attempts: 6,
  lastError: 'HTTP 500',
  diedAt: new Date(Date.UTC(2026, 11, 2, 7, n)),
});

describe('NotificationMails', () => {
  it('should name the webhook, its URL, the reason and the project in a disabled mail', () => {
    const sut = NotificationMails.operational(
      ['ops@example.com'],
      project,
      {
        event: 'webhook.disabled',
        occurred_at: '2026-12-02T07:00:00.000Z',
        data: { webhook_id: 'wh_1', reason: '5 consecutive failed deliveries' },
      },
      { id: 'wh_1', url: 'https://example.com/hook' },
    );
    expect(sut.to).toEqual(['ops@example.com']);
    expect(sut.subject).toBe('[Hookline] Webhook wh_1 disabled in project "Acme"');
    expect(sut.text).toContain('Webhook: wh_1 (https://example.com/hook)');
    expect(sut.text).toContain('Reason:  5 consecutive failed deliveries');
    expect(sut.text).toContain('"Acme" (prj_1)');
  });

  it('should keep line breaks of a project name out of the subject', () => {
    const sut = NotificationMails.operational(
      ['ops@example.com'],
      { id: 'prj_1', name: 'Acme\r\nBcc: evil@example.com' },
      { event: 'webhook.enabled', occurred_at: '2026-12-02T07:00:00.000Z', data: {} },
      undefined,
    );
    expect(sut.subject).not.toMatch(/[\r\n]/);
  });

  it('should mail any other operational kind with its data listed', () => {
    const sut = NotificationMails.operational(
      ['ops@example.com'],
      project,
      {
        event: 'webhook.enabled',
        occurred_at: '2026-12-02T07:00:00.000Z',
        data: { webhook_id: 'wh_1', extra: { n: 1 } },
      },
      { id: 'wh_1', url: 'https://example.com/hook' },
    );
    expect(sut.subject).toBe('[Hookline] webhook.enabled wh_1 in project "Acme"');
    expect(sut.text).toContain('extra: {"n":1}');
  });

  it('should group a digest by webhook and list at most DIGEST_LISTED deliveries', () => {
    const list = Array.from({ length: DIGEST_LISTED + 5 }, (_, i) =>
      dead(i, i % 2 ? 'wh_2' : 'wh_1'),
    );
    const sut = NotificationMails.deadDigest(
      ['ops@example.com'],
      project,
      list,
      new Map([['wh_1', { id: 'wh_1', url: 'https://example.com/1' }]]),
      false,
    );
    expect(sut.subject).toBe(`[Hookline] ${DIGEST_LISTED + 5} dead deliveries in project "Acme"`);
    expect(sut.text).toContain('Webhook wh_1 (https://example.com/1)');
    expect(sut.text).toContain('Webhook wh_2 (deleted)');
    expect(sut.text.match(/msg_\d+/g)).toHaveLength(DIGEST_LISTED);
    expect(sut.text).toContain('…and more');
  });
});
