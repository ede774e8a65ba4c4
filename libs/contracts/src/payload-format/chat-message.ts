import { toWebhookPayload, type EventEnvelope } from '../envelope/event-envelope';
import { clipText } from '../text/portable-text';
import type { PayloadFormat } from '../webhook-state/value';

/** Colours of the brief's Discord example: green for success, red for a failure. */
const GREEN = 0x22c55e;
const RED = 0xef4444;
const FAILURE = /(^|[._])(fail(ed|ure)?|error|crash(ed)?|alert|triggered|low)($|[._])/i;

// Limits of the receiving APIs, so an event with long or many fields is shortened, not refused.
const SLACK_FIELDS = 10;
const SLACK_FIELD_TEXT = 2000;
const SLACK_HEADER = 150;
const DISCORD_FIELDS = 25;
const DISCORD_NAME = 256;
const DISCORD_VALUE = 1024;

/** One line per top-level field of `data`: scalars as they are, objects as compact JSON. */
function fieldsOf(data: Record<string, unknown>): { name: string; value: string }[] {
  return Object.entries(data).map(([name, value]) => ({
    name,
    value:
      value === null || value === undefined
        ? 'N/A'
        : typeof value === 'object'
          ? JSON.stringify(value)
          : String(value),
  }));
}

/**
 * A Slack incoming-webhook message (`text` for notifications, blocks for the layout): the event
 * name as the header, `data`'s fields, and the event id and time as context.
 */
export function toSlackMessage(envelope: EventEnvelope) {
  const fields = fieldsOf(envelope.data).slice(0, SLACK_FIELDS);
  return {
    text: `${envelope.event} (${envelope.id})`,
    blocks: [
      {
        type: 'header',
        text: { type: 'plain_text', text: clipText(envelope.event, SLACK_HEADER, '…') },
      },
      ...(fields.length > 0
        ? [
            {
              type: 'section',
              fields: fields.map((f) => ({
                type: 'mrkdwn',
                text: clipText(`*${f.name}*\n${f.value}`, SLACK_FIELD_TEXT, '…'),
              })),
            },
          ]
        : []),
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: `${envelope.id} · ${envelope.occurred_at}` }],
      },
    ],
  };
}

/**
 * A Discord incoming-webhook message shaped like the brief's example: one embed titled with the
 * event, red for a failure and green otherwise, `data`'s fields inline, the event's time.
 */
export function toDiscordMessage(envelope: EventEnvelope) {
  return {
    embeds: [
      {
        title: clipText(envelope.event, DISCORD_NAME, '…'),
        color: FAILURE.test(envelope.event) ? RED : GREEN,
        fields: fieldsOf(envelope.data)
          .slice(0, DISCORD_FIELDS)
          .map((f) => ({
            name: clipText(f.name, DISCORD_NAME, '…'),
            value: clipText(f.value || 'N/A', DISCORD_VALUE, '…'),
            inline: true,
          })),
        footer: { text: envelope.id },
        timestamp: envelope.occurred_at,
      },
    ],
  };
}

/** The JSON body POSTed for an event to a webhook of the given format. */
export function renderPayload(
  format: PayloadFormat,
  envelope: EventEnvelope,
  webhookId: string,
): unknown {
  switch (format) {
    case 'slack':
      return toSlackMessage(envelope);
    case 'discord':
      return toDiscordMessage(envelope);
    default:
      return toWebhookPayload(envelope, webhookId);
  }
}

/** The JSON body of a batching webhook: its events' payloads in one `messages` document. */
export function renderBatchPayload(
  format: PayloadFormat,
  envelopes: EventEnvelope[],
  webhookId: string,
): { type: 'messages'; messages: unknown[] } {
  return { type: 'messages', messages: envelopes.map((e) => renderPayload(format, e, webhookId)) };
}
