import type { OperationalEvent } from '@hookline/contracts';
import type { PendingDeadDelivery } from '@hookline/persistence';

/** A mail ready for the transport: who, what, plain text. */
export interface ComposedMail {
  to: string[];
  subject: string;
  text: string;
}

export interface MailProject {
  id: string;
  name: string;
}

export interface MailWebhook {
  id: string;
  url: string | null;
}

/** Dead deliveries listed one by one in a digest; the rest are counted. */
export const DIGEST_LISTED = 50;

/** Control characters (CR, LF…) out of text that goes into a header or a line of its own. */
const oneLine = (text: string, max = 200) =>
  // eslint-disable-next-line no-control-regex
  [...text.replace(/[\u0000-\u001f\u007f]+/g, ' ')].slice(0, max).join('');

const webhookLine = (w: MailWebhook) => `${w.id} (${w.url ? oneLine(w.url, 500) : 'deleted'})`;

/**
 * The text of every notification mail. Pure: the caller looks up the project and webhooks, and
 * sends. Plain text, so that what a receiver put in a URL or an error is shown, never rendered.
 */
export const NotificationMails = {
  /** An operational event mailed at once (a disabled webhook, or any kind a project chose). */
  operational(
    to: string[],
    project: MailProject,
    event: Pick<OperationalEvent, 'event' | 'occurred_at' | 'data'>,
    webhook: MailWebhook | undefined,
  ): ComposedMail {
    const projectName = oneLine(project.name, 100);
    const lines: string[] = [];
    if (event.event === 'webhook.disabled') {
      const reason = oneLine(String(event.data.reason ?? 'unknown'), 500);
      lines.push(
        `Hookline disabled a webhook of your project "${projectName}" (${project.id}).`,
        '',
        `Webhook: ${webhook ? webhookLine(webhook) : String(event.data.webhook_id)}`,
        `Reason:  ${reason}`,
        `When:    ${event.occurred_at}`,
        '',
        'No request is sent to it while it is disabled (its events are recorded as skipped).',
        'Fix the endpoint, then enable the webhook again:',
        `  PATCH /v1/webhooks/${String(event.data.webhook_id)} {"active": true}`,
      );
    } else {
      lines.push(
        `${event.event} in your project "${projectName}" (${project.id}), at ${event.occurred_at}.`,
        '',
      );
      if (webhook) lines.push(`Webhook: ${webhookLine(webhook)}`);
      for (const [key, value] of Object.entries(event.data)) {
        if (key === 'webhook_id' && webhook) continue;
        lines.push(
          `${key}: ${oneLine(typeof value === 'string' ? value : JSON.stringify(value), 500)}`,
        );
      }
    }
    const about = webhook ? ` ${webhook.id}` : '';
    const subject =
      event.event === 'webhook.disabled'
        ? `[Hookline] Webhook${about} disabled in project "${projectName}"`
        : `[Hookline] ${event.event}${about} in project "${projectName}"`;
    return { to, subject, text: `${lines.join('\n')}\n` };
  },

  /** The digest of a project's dead deliveries, grouped by webhook. */
  deadDigest(
    to: string[],
    project: MailProject,
    dead: readonly PendingDeadDelivery[],
    webhooks: ReadonlyMap<string, MailWebhook>,
    more: boolean,
  ): ComposedMail {
    const projectName = oneLine(project.name, 100);
    const count = `${dead.length}${more ? '+' : ''}`;
    const lines = [
      `${count} deliver${dead.length === 1 && !more ? 'y' : 'ies'} of your project "${projectName}" (${project.id}) exhausted their retries since the last digest.`,
      'Each is marked failed; redeliver one with POST /v1/deliveries/{id}/redeliver.',
    ];
    const byWebhook = new Map<string, PendingDeadDelivery[]>();
    for (const d of dead.slice(0, DIGEST_LISTED)) {
      byWebhook.set(d.webhookId, [...(byWebhook.get(d.webhookId) ?? []), d]);
    }
    for (const [webhookId, list] of byWebhook) {
      lines.push(
        '',
        `Webhook ${webhookLine(webhooks.get(webhookId) ?? { id: webhookId, url: null })}`,
      );
      for (const d of list) {
        lines.push(
          `  ${d.diedAt.toISOString()}  ${d.deliveryId}  ${oneLine(d.eventType, 200)} (${d.deadEventId})  after ${d.attempts} attempts: ${oneLine(d.lastError, 300)}`,
        );
      }
    }
    if (dead.length > DIGEST_LISTED || more) {
      lines.push('', `…and more: see GET /v1/deliveries?status=failed.`);
    }
    return {
      to,
      subject: `[Hookline] ${count} dead deliver${dead.length === 1 && !more ? 'y' : 'ies'} in project "${projectName}"`,
      text: `${lines.join('\n')}\n`,
    };
  },
} as const;
