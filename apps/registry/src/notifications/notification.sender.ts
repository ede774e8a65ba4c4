import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { DataSource, In } from 'typeorm';
import { Counter, type Registry } from 'prom-client';
import type { HooklineConfig } from '@hookline/config';
import {
  NotificationStore,
  ProjectEntity,
  WebhookEntity,
  type NotificationSettings,
} from '@hookline/persistence';
import type { Logger } from '@hookline/telemetry';
import { CONFIG, LOGGER, METRICS } from '../infra/tokens';
import type { ComposedMail, MailProject, MailWebhook } from './notification-mail.composer';
import { SmtpMailer } from './smtp.mailer';

export type SendOutcome = 'sent' | 'duplicate' | 'rate_limited' | 'no_recipients';

/**
 * Sends one notification mail of a project, at most once per mail id and within the project's
 * hourly limit (HOOKLINE_MAIL_MAX_PER_PROJECT_HOUR, shared by every replica through Postgres).
 * A failed send gives its place back and rejects: the caller tries again later.
 */
@Injectable()
export class NotificationSender implements BeforeApplicationShutdown {
  readonly store: NotificationStore;
  private readonly mailer?: SmtpMailer;
  private readonly mails: Counter<'kind' | 'outcome'>;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(CONFIG) private readonly config: HooklineConfig,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(METRICS) registry: Registry,
  ) {
    this.store = new NotificationStore(dataSource);
    if (config.HOOKLINE_SMTP_URL)
      this.mailer = new SmtpMailer(config.HOOKLINE_SMTP_URL, config.HOOKLINE_MAIL_FROM);
    this.mails = new Counter({
      name: 'hookline_registry_notification_mails_total',
      help: 'Notification mails by kind (webhook.disabled, digest, …) and outcome (sent, rate_limited, failed, …)',
      labelNames: ['kind', 'outcome'],
      registers: [registry],
    });
  }

  /** False when HOOKLINE_SMTP_URL is unset: nothing is mailed. */
  get enabled(): boolean {
    return this.mailer !== undefined;
  }

  /** The project's settings when it mails `eventType` to at least one address. */
  async recipientsFor(projectId: string, eventType: string): Promise<NotificationSettings | null> {
    const settings = await this.store.settings(projectId);
    return settings && settings.emails.length > 0 && settings.events.includes(eventType)
      ? settings
      : null;
  }

  async send(
    projectId: string,
    mail: { id: string; kind: string; eventType: string; now: Date },
    compose: (to: string[], project: MailProject) => Promise<ComposedMail>,
  ): Promise<SendOutcome> {
    const outcome = await this.trySend(projectId, mail, compose).catch((e: unknown) => {
      this.mails.inc({ kind: mail.kind, outcome: 'failed' });
      throw e;
    });
    this.mails.inc({ kind: mail.kind, outcome });
    if (outcome === 'rate_limited')
      this.log.warn({ projectId, mail: mail.id }, 'notification mail over the hourly limit');
    return outcome;
  }

  private async trySend(
    projectId: string,
    mail: { id: string; kind: string; eventType: string; now: Date },
    compose: (to: string[], project: MailProject) => Promise<ComposedMail>,
  ): Promise<SendOutcome> {
    if (!this.mailer) return 'no_recipients';
    const settings = await this.recipientsFor(projectId, mail.eventType);
    if (!settings) return 'no_recipients';
    const claim = await this.store.claimMail(
      projectId,
      mail.id,
      mail.kind,
      this.config.HOOKLINE_MAIL_MAX_PER_PROJECT_HOUR,
      mail.now,
    );
    if (claim !== 'claimed') return claim;
    try {
      const project = await this.dataSource
        .getRepository(ProjectEntity)
        .findOneBy({ id: projectId });
      await this.mailer.send(
        await compose(settings.emails, { id: projectId, name: project?.name ?? projectId }),
      );
      return 'sent';
    } catch (e) {
      await this.store.releaseMail(mail.id);
      throw e;
    }
  }

  /** The webhooks a mail names (id and URL); a deleted one is left out. */
  async webhooks(projectId: string, ids: readonly string[]): Promise<Map<string, MailWebhook>> {
    if (ids.length === 0) return new Map();
    const rows = await this.dataSource
      .getRepository(WebhookEntity)
      .find({ where: { projectId, id: In([...new Set(ids)]) }, select: { id: true, url: true } });
    return new Map(rows.map((w) => [w.id, { id: w.id, url: w.url }]));
  }

  beforeApplicationShutdown(): void {
    this.mailer?.close();
  }
}
