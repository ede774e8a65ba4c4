import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  latencyPercentile,
  STATS_WINDOWS,
  type ProjectStatsResource,
  type StatsPoint,
  type StatsResource,
  type StatsTotals,
  type StatsWindow,
} from '@hookline/contracts';
import { DeliveryLogRepository, type StatsAggregate } from '@hookline/persistence';
import type { CallerKey } from '../auth/current-key.decorator';
import { ApiError } from '../common/api-error';

/** Charts of the delivery log, read from the per-minute aggregate the dispatcher's log write keeps. */
@Injectable()
export class StatsService {
  private readonly deliveryLog: DeliveryLogRepository;

  constructor(private readonly dataSource: DataSource) {
    this.deliveryLog = new DeliveryLogRepository(dataSource);
  }

  async webhook(caller: CallerKey, webhookId: string, window: StatsWindow): Promise<StatsResource> {
    const [found]: unknown[] = await this.dataSource.query(
      'select 1 from webhooks where id = $1 and project_id = $2',
      [webhookId, caller.projectId],
    );
    if (!found) throw ApiError.notFound('webhook');
    const { stats, byWebhook } = await this.read(caller.projectId, window, webhookId);
    return { ...stats, totals: totalsOf(byWebhook) };
  }

  async project(caller: CallerKey, window: StatsWindow): Promise<ProjectStatsResource> {
    const { stats, byWebhook } = await this.read(caller.projectId, window);
    return {
      ...stats,
      totals: totalsOf(byWebhook),
      webhooks: byWebhook.map((w) => ({ webhook_id: String(w.key), ...totalsOf([w]) })),
    };
  }

  private async read(projectId: string, window: StatsWindow, webhookId?: string) {
    const { seconds, step } = STATS_WINDOWS[window];
    const stepMs = step * 1000;
    const last = Math.floor(Date.now() / stepMs) * stepMs;
    const points = seconds / step;
    const from = new Date(last - (points - 1) * stepMs);
    const [steps, byWebhook] = await Promise.all([
      this.deliveryLog.stats(projectId, { webhookId, from, by: { stepSeconds: step } }),
      this.deliveryLog.stats(projectId, { webhookId, from, by: 'webhook' }),
    ]);
    const at = new Map(steps.map((s) => [(s.key as Date).getTime(), s]));
    const series: StatsPoint[] = [];
    for (let t = from.getTime(); t <= last; t += stepMs) {
      series.push({ at: new Date(t).toISOString(), ...countsOf(at.get(t) ? [at.get(t)!] : []) });
    }
    const stats: Omit<StatsResource, 'totals'> = {
      window,
      step_seconds: step,
      from: from.toISOString(),
      to: new Date(last + stepMs).toISOString(),
      series,
    };
    return { stats, byWebhook };
  }
}

function countsOf(rows: readonly StatsAggregate[]) {
  const histogram: number[] = [];
  let succeeded = 0;
  let failed = 0;
  let retried = 0;
  for (const r of rows) {
    succeeded += r.succeeded;
    failed += r.failed;
    retried += r.retried;
    r.latency.forEach((n, i) => (histogram[i] = (histogram[i] ?? 0) + n));
  }
  return {
    succeeded,
    failed,
    retried,
    latency_p50_ms: latencyPercentile(histogram, 0.5),
    latency_p99_ms: latencyPercentile(histogram, 0.99),
  };
}

function totalsOf(rows: readonly StatsAggregate[]): StatsTotals {
  const counts = countsOf(rows);
  const ended = counts.succeeded + counts.failed;
  const last = rows.reduce<Date | null>(
    (max, r) => (r.lastAttemptAt && (!max || r.lastAttemptAt > max) ? r.lastAttemptAt : max),
    null,
  );
  return {
    ...counts,
    success_rate: ended === 0 ? null : counts.succeeded / ended,
    last_attempt_at: last?.toISOString() ?? null,
  };
}
