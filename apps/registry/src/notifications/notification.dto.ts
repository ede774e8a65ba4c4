import { z } from 'zod';
import { OperationalEventSchema } from '@hookline/contracts';

/** Enough for a team's on-call list; a longer list is a mailing list's job. */
export const MAX_NOTIFICATION_EMAILS = 20;

/** What mails a project by default: a disabled webhook at once, dead deliveries in the digest. */
export const DEFAULT_NOTIFICATION_EVENTS = ['webhook.disabled', 'delivery.dead'] as const;

export const NotificationSettingsBody = z
  .object({
    emails: z
      .array(z.email({ message: 'is not an e-mail address' }).max(254))
      .max(MAX_NOTIFICATION_EMAILS),
    /** Operational event types that mail the addresses (`delivery.dead` goes in the digest). */
    events: z.array(OperationalEventSchema.shape.event).max(50).optional(),
  })
  .strict();
export type NotificationSettingsBody = z.infer<typeof NotificationSettingsBody>;

export const NotificationSettingsResponse = z.object({
  emails: z.array(z.string()),
  events: z.array(z.string()),
  /** False when this deployment has no SMTP server (HOOKLINE_SMTP_URL): nothing is mailed. */
  mail_enabled: z.boolean(),
});
export type NotificationSettingsResponse = z.infer<typeof NotificationSettingsResponse>;
