import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { HooklineConfig } from '@hookline/config';
import { ADVISORY_LOCKS } from '@hookline/persistence';
import type { Logger } from '@hookline/telemetry';
import { CONFIG, LOGGER } from '../infra/tokens';
import { NotificationMails } from './notification-mail.composer';
import { NotificationSender } from './notification.sender';

/** Dead deliveries read per project and digest; more wait for the next one. */
const DIGEST_BATCH = 1000;

/**
 * Every HOOKLINE_MAIL_DIGEST_INTERVAL, one mail per project listing its deliveries that died
 * since the last digest. Replicas run it under one advisory lock, and a digest's mail id names
 * its interval, so a project gets one digest per interval however many replicas run; a digest
 * over the hourly limit stays pending for the next interval.
 */
@Injectable()
export class DeadDeliveryDigestJob implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    private readonly sender: NotificationSender,
    @Inject(CONFIG) private readonly config: HooklineConfig,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.sender.enabled) return;
    this.timer = setInterval(() => {
      this.running ??= this.runOnce()
        .catch((e) => {
          this.log.warn({ err: e }, 'dead-delivery digest: will retry next interval');
          return 0;
        })
        .finally(() => (this.running = undefined));
    }, this.config.HOOKLINE_MAIL_DIGEST_INTERVAL);
    this.timer.unref();
  }

  /** One run at `now`: answers the number of digests mailed (0 where another replica runs). */
  async runOnce(now = new Date()): Promise<number> {
    const { store } = this.sender;
    const interval = this.config.HOOKLINE_MAIL_DIGEST_INTERVAL;
    const windowStart = Math.floor(now.getTime() / interval) * interval;
    const sent = await store.whileLocked(ADVISORY_LOCKS.notificationDigest, async () => {
      let mailed = 0;
      for (const projectId of await store.projectsWithPendingDead()) {
        const dead = await store.pendingDead(projectId, DIGEST_BATCH);
        if (dead.length === 0) continue;
        const outcome = await this.sender.send(
          projectId,
          {
            id: `digest:${projectId}:${windowStart}`,
            kind: 'digest',
            eventType: 'delivery.dead',
            now,
          },
          async (to, project) =>
            NotificationMails.deadDigest(
              to,
              project,
              dead,
              await this.sender.webhooks(
                projectId,
                dead.map((d) => d.webhookId),
              ),
              dead.length === DIGEST_BATCH,
            ),
        );
        // Mailed, or nobody to mail any more: forgotten. Over the limit or already mailed in this
        // interval (by another replica): kept for the next digest.
        if (outcome === 'sent' || outcome === 'no_recipients')
          await store.forgetDead(dead.map((d) => d.eventId));
        if (outcome === 'sent') mailed++;
      }
      await store.forgetOldMails(now);
      return mailed;
    });
    return sent ?? 0;
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
