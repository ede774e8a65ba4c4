import type { DataSource } from 'typeorm';

/** A project's notification addresses and the operational event types that mail them. */
export interface NotificationSettings {
  emails: string[];
  events: string[];
}

/** A dead delivery waiting for its project's next digest. */
export interface PendingDeadDelivery {
  /** The `delivery.dead` operational event's id: a replayed event is recorded once. */
  eventId: string;
  projectId: string;
  webhookId: string;
  deliveryId: string;
  /** The event that could not be delivered. */
  deadEventId: string;
  eventType: string;
  attempts: number;
  lastError: string;
  diedAt: Date;
}

/** claimMail's answer: send it, it was sent already, or the project's hourly limit is reached. */
export type MailClaim = 'claimed' | 'duplicate' | 'rate_limited';

interface DeadRow {
  event_id: string;
  project_id: string;
  webhook_id: string;
  delivery_id: string;
  dead_event_id: string;
  event_type: string;
  attempts: number;
  last_error: string;
  died_at: Date;
}

const HOUR_MS = 3_600_000;

/**
 * The notification tables. No business rule here: who is mailed, when and how often is the
 * registry's notifications module; this stores, counts and locks.
 */
export class NotificationStore {
  constructor(private readonly dataSource: DataSource) {}

  async settings(projectId: string): Promise<NotificationSettings | null> {
    const rows: NotificationSettings[] = await this.dataSource.query(
      'select emails, events from project_notifications where project_id = $1',
      [projectId],
    );
    return rows[0] ?? null;
  }

  async saveSettings(projectId: string, settings: NotificationSettings): Promise<void> {
    await this.dataSource.query(
      `insert into project_notifications (project_id, emails, events) values ($1, $2, $3)
       on conflict (project_id) do update set emails = $2, events = $3, updated_at = now()`,
      [projectId, settings.emails, settings.events],
    );
  }

  /**
   * Keeps a dead delivery for the digest, only when its project mails dead deliveries to someone
   * (nothing piles up for projects nobody reads). False when not kept or already kept.
   */
  async recordDead(dead: PendingDeadDelivery): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `insert into notification_dead_deliveries
         (event_id, project_id, webhook_id, delivery_id, dead_event_id, event_type, attempts, last_error, died_at)
       select $1, $2, $3, $4, $5, $6, $7, $8, $9 from project_notifications
        where project_id = $2 and cardinality(emails) > 0 and 'delivery.dead' = any(events)
       on conflict (event_id) do nothing
       returning event_id`,
      [
        dead.eventId,
        dead.projectId,
        dead.webhookId,
        dead.deliveryId,
        dead.deadEventId,
        dead.eventType,
        dead.attempts,
        dead.lastError,
        dead.diedAt,
      ],
    );
    return rows.length > 0;
  }

  /**
   * Records a mail about to be sent, unless one with this id was sent already or the project sent
   * `maxPerHour` in the last hour. Serialised per project (its row is locked), so two senders
   * never both take the last place. releaseMail undoes a claim whose sending failed.
   */
  async claimMail(
    projectId: string,
    mailId: string,
    kind: string,
    maxPerHour: number,
    now: Date,
  ): Promise<MailClaim> {
    return this.dataSource.transaction(async (m) => {
      const project: unknown[] = await m.query('select 1 from projects where id = $1 for update', [
        projectId,
      ]);
      if (project.length === 0) return 'duplicate';
      const seen: unknown[] = await m.query('select 1 from notification_mails where id = $1', [
        mailId,
      ]);
      if (seen.length > 0) return 'duplicate';
      const [{ sent }] = (await m.query(
        'select count(*)::int as sent from notification_mails where project_id = $1 and sent_at > $2',
        [projectId, new Date(now.getTime() - HOUR_MS)],
      )) as [{ sent: number }];
      if (sent >= maxPerHour) return 'rate_limited';
      await m.query(
        'insert into notification_mails (id, project_id, kind, sent_at) values ($1, $2, $3, $4)',
        [mailId, projectId, kind, now],
      );
      return 'claimed';
    });
  }

  async releaseMail(mailId: string): Promise<void> {
    await this.dataSource.query('delete from notification_mails where id = $1', [mailId]);
  }

  /** Projects with dead deliveries waiting for a digest. */
  async projectsWithPendingDead(): Promise<string[]> {
    const rows: { project_id: string }[] = await this.dataSource.query(
      'select distinct project_id from notification_dead_deliveries',
    );
    return rows.map((r) => r.project_id);
  }

  /** A project's waiting dead deliveries, oldest first, at most `limit`. */
  async pendingDead(projectId: string, limit: number): Promise<PendingDeadDelivery[]> {
    const rows: DeadRow[] = await this.dataSource.query(
      `select * from notification_dead_deliveries where project_id = $1
        order by died_at, event_id limit $2`,
      [projectId, limit],
    );
    return rows.map((r) => ({
      eventId: r.event_id,
      projectId: r.project_id,
      webhookId: r.webhook_id,
      deliveryId: r.delivery_id,
      deadEventId: r.dead_event_id,
      eventType: r.event_type,
      attempts: r.attempts,
      lastError: r.last_error,
      diedAt: new Date(r.died_at),
    }));
  }

  /** Forgets dead deliveries once their digest is sent. */
  async forgetDead(eventIds: readonly string[]): Promise<void> {
    if (eventIds.length === 0) return;
    await this.dataSource.query(
      'delete from notification_dead_deliveries where event_id = any($1)',
      [eventIds],
    );
  }

  /** Mails older than the dedup and rate windows need: two days. */
  async forgetOldMails(now: Date): Promise<void> {
    await this.dataSource.query('delete from notification_mails where sent_at < $1', [
      new Date(now.getTime() - 48 * HOUR_MS),
    ]);
  }

  /**
   * Runs `work` only where this process holds the advisory lock `key` (one connection holds it
   * for the whole run); undefined when another process holds it.
   */
  async whileLocked<T>(key: number, work: () => Promise<T>): Promise<T | undefined> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = (await runner.query('select pg_try_advisory_lock($1) as locked', [
        key,
      ])) as [{ locked: boolean }];
      if (!locked) return undefined;
      try {
        return await work();
      } finally {
        await runner.query('select pg_advisory_unlock($1)', [key]);
      }
    } finally {
      await runner.release();
    }
  }
}
