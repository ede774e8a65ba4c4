import { Injectable } from '@nestjs/common';
import {
  DEFAULT_NOTIFICATION_EVENTS,
  type NotificationSettingsBody,
  type NotificationSettingsResponse,
} from './notification.dto';
import { NotificationSender } from './notification.sender';

/** A project's notification addresses and the operational events that mail them. */
@Injectable()
export class NotificationsService {
  constructor(private readonly sender: NotificationSender) {}

  async get(projectId: string): Promise<NotificationSettingsResponse> {
    const settings = await this.sender.store.settings(projectId);
    return {
      emails: settings?.emails ?? [],
      events: settings?.events ?? [...DEFAULT_NOTIFICATION_EVENTS],
      mail_enabled: this.sender.enabled,
    };
  }

  async put(
    projectId: string,
    body: NotificationSettingsBody,
  ): Promise<NotificationSettingsResponse> {
    // Addresses compared without case (the domain is case-insensitive, and nobody needs two
    // mails because of a capital); kept as given otherwise.
    const seen = new Set<string>();
    const emails = body.emails.filter((e) => {
      const key = e.toLowerCase();
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    const events = [...new Set(body.events ?? DEFAULT_NOTIFICATION_EVENTS)];
    await this.sender.store.saveSettings(projectId, { emails, events });
    return { emails, events, mail_enabled: this.sender.enabled };
  }
}
