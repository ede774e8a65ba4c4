import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { newId, type DeliveryStatus, type RecoveryResource } from '@hookline/contracts';
import type { HooklineConfig } from '@hookline/config';
import {
  DeliveryLogRepository,
  RecoveryJobRepository,
  type RecoveryFilter,
  type RecoveryJobRow,
} from '@hookline/persistence';
import type { CallerKey } from '../auth/current-key.decorator';
import { ApiError } from '../common/api-error';
import { CONFIG } from '../infra/tokens';
import type { BulkRedeliverBody, RecoverBody } from './recovery.dto';
import { RecoveryRunner } from './recovery.runner';

/** What a request asks for, before its window is checked. */
interface RecoveryRequest {
  webhookId: string | null;
  statuses: DeliveryStatus[];
  eventType: string | null;
  since: string;
  until?: string;
}

/**
 * Recover (a webhook's failed and skipped deliveries of a window) and bulk redeliver (any
 * filter's) make a recovery job, worked by RecoveryRunner. The same request names the same job
 * (its key is the webhook and the window as asked, `until` left out included), so asking twice,
 * or retrying a request whose answer was lost, sends nothing twice: it answers the job already
 * made. A job stopped because its webhook was disabled resumes when asked again.
 */
@Injectable()
export class RecoveriesService {
  private readonly jobs: RecoveryJobRepository;
  private readonly deliveryLog: DeliveryLogRepository;

  constructor(
    private readonly dataSource: DataSource,
    private readonly runner: RecoveryRunner,
    @Inject(CONFIG) private readonly config: HooklineConfig,
  ) {
    this.jobs = new RecoveryJobRepository(dataSource);
    this.deliveryLog = new DeliveryLogRepository(dataSource);
  }

  async recover(caller: CallerKey, webhookId: string, body: RecoverBody) {
    await this.activeWebhook(caller, webhookId);
    return this.start(caller, {
      webhookId,
      statuses: ['failed', 'skipped'],
      eventType: null,
      since: body.since,
      until: body.until,
    });
  }

  async bulkRedeliver(caller: CallerKey, body: BulkRedeliverBody) {
    if (body.webhook_id) await this.activeWebhook(caller, body.webhook_id);
    return this.start(caller, {
      webhookId: body.webhook_id ?? null,
      statuses: [body.status],
      eventType: body.event_type ?? null,
      since: body.since,
      until: body.until,
    });
  }

  async get(caller: CallerKey, id: string): Promise<RecoveryResource> {
    const job = await this.jobs.find(caller.projectId, id);
    if (!job) throw ApiError.notFound('recovery');
    return toRecoveryResource(job);
  }

  private async start(caller: CallerKey, r: RecoveryRequest): Promise<RecoveryResource> {
    const now = new Date();
    const since = new Date(r.since);
    const asked = r.until === undefined ? null : new Date(r.until);
    const windowError = this.checkWindow(since, asked ?? now, now);
    if (windowError) throw ApiError.badRequest(`invalid body: ${windowError.field}`, [windowError]);
    const filter: RecoveryFilter = {
      projectId: caller.projectId,
      webhookId: r.webhookId,
      statuses: r.statuses,
      eventType: r.eventType,
      since,
      // Nothing created after the request: a retry of it must name the same deliveries.
      until: asked && asked < now ? asked : now,
    };
    const requestKey = JSON.stringify([
      r.webhookId,
      r.statuses,
      r.eventType,
      since.toISOString(),
      asked?.toISOString() ?? null,
    ]);
    const total = await this.deliveryLog.countRecoverable(filter);
    const { job, created } = await this.jobs.create({
      id: newId('recovery'),
      requestKey,
      total,
      ...filter,
    });
    if (created || job.status === 'running') this.runner.wake();
    return toRecoveryResource(job);
  }

  /** The window's rules beyond each field's format: ordered, not in the future, within retention. */
  private checkWindow(since: Date, until: Date, now: Date) {
    const maxDays = this.config.HOOKLINE_DELIVERY_RETENTION_DAYS;
    if (since > now) return { field: 'since', message: 'must not be in the future' };
    if (until <= since) return { field: 'until', message: 'must be after since' };
    if (until.getTime() - since.getTime() > maxDays * 86_400_000)
      return {
        field: 'since',
        message: `the window may span at most ${maxDays} days (the delivery log's retention)`,
      };
    return undefined;
  }

  private async activeWebhook(caller: CallerKey, webhookId: string): Promise<void> {
    const [row]: { active: boolean }[] = await this.dataSource.query(
      'select active from webhooks where id = $1 and project_id = $2',
      [webhookId, caller.projectId],
    );
    if (!row) throw ApiError.notFound('webhook');
    if (!row.active)
      throw ApiError.conflict(
        `webhook ${webhookId} is disabled; enable it with PATCH {"active": true} first`,
      );
  }
}

export function toRecoveryResource(j: RecoveryJobRow): RecoveryResource {
  return {
    id: j.id,
    webhook_id: j.webhookId,
    status: j.status,
    statuses: j.statuses,
    event_type: j.eventType,
    since: j.since.toISOString(),
    until: j.until.toISOString(),
    total: j.total,
    sent: j.sent,
    error: j.error,
    created_at: j.createdAt.toISOString(),
    updated_at: j.updatedAt.toISOString(),
    finished_at: j.finishedAt?.toISOString() ?? null,
  };
}
