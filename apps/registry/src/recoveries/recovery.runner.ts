import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { DeliveryTasks, type EventEnvelope } from '@hookline/contracts';
import {
  DeliveryLogRepository,
  RecoveryJobRepository,
  type RecoverableDelivery,
  type RecoveryJobRow,
  type RecoveryProgress,
} from '@hookline/persistence';
import type { Logger } from '@hookline/telemetry';
import { DeliveryTaskPublisher } from '../deliveries/delivery-task.publisher';
import { LOGGER } from '../infra/tokens';

/** Deliveries read from the log, and tasks published, per batch (one transaction each). */
export const RECOVERY_BATCH = 200;
/**
 * A new job wakes its replica's runner at once; the poll only finds jobs left running by a
 * replica that stopped (or jobs made on another replica, which that one works).
 */
const IDLE_POLL_MS = 5000;
const ERROR_PAUSE_MS = 2000;

/**
 * Works recovery jobs in the background: reads the next batch of the job's deliveries from the
 * log in the order of their events, publishes one redeliver task each (made by the dispatcher
 * like any manual attempt), and records the position reached, in one transaction that holds the
 * job's row locked — so one replica works a job at a time, and a restarted registry resumes from
 * the last batch committed. A crash between publishing and committing repeats that batch: the
 * repeat carries the same `webhook-id`, which receivers deduplicate on (at least once, as
 * everywhere in Hookline).
 */
@Injectable()
export class RecoveryRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly jobs: RecoveryJobRepository;
  private readonly deliveryLog: DeliveryLogRepository;
  private stopping = false;
  private loop?: Promise<void>;
  private wakeUp?: () => void;

  constructor(
    dataSource: DataSource,
    private readonly publisher: DeliveryTaskPublisher,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    this.jobs = new RecoveryJobRepository(dataSource);
    this.deliveryLog = new DeliveryLogRepository(dataSource);
  }

  onApplicationBootstrap(): void {
    this.loop = this.run();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loop;
  }

  /** A job was just made: start on it now rather than at the next poll. */
  wake(): void {
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let pauseMs = IDLE_POLL_MS;
      try {
        await this.workRunningJobs();
      } catch (e) {
        this.log.warn({ err: e }, 'recovery: will retry');
        pauseMs = ERROR_PAUSE_MS;
      }
      if (this.stopping) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pauseMs);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeUp = undefined;
    }
  }

  private async workRunningJobs(): Promise<void> {
    for (const id of await this.jobs.running(20)) {
      // Batch after batch while this replica holds the job; another replica's job is skipped.
      while (!this.stopping && (await this.jobs.workBatch(id, (job, m) => this.batch(job, m)))) {
        /* the next batch */
      }
    }
  }

  private async batch(job: RecoveryJobRow, manager: EntityManager): Promise<RecoveryProgress> {
    if (job.webhookId !== null) {
      const [hook]: { active: boolean }[] = await manager.query(
        'select active from webhooks where id = $1 and project_id = $2',
        [job.webhookId, job.projectId],
      );
      if (!hook || !hook.active) {
        const what = hook ? 'disabled' : 'deleted';
        return {
          sent: 0,
          after: null,
          done: false,
          error: `webhook ${job.webhookId} was ${what}; enable it and ask again to resume`,
        };
      }
    }
    const after = job.afterUs && job.afterId ? { us: job.afterUs, id: job.afterId } : null;
    const rows = await this.deliveryLog.recoverable(job, after, RECOVERY_BATCH, manager);
    const now = Date.now();
    // The log's order is that of first attempts, which concurrent attempts may have swapped:
    // within a batch, the events' own order. (Published in order, one partition per webhook.)
    const byEvent = [...rows].sort((a, b) => occurredAt(a) - occurredAt(b));
    await Promise.all(
      byEvent.map((d) =>
        this.publisher.publish(
          DeliveryTasks.redeliver(
            {
              id: d.id,
              webhookId: d.webhookId,
              event: d.event as EventEnvelope,
              createdAt: d.createdAt,
            },
            d.attempts + 1,
            undefined,
            now,
          ),
        ),
      ),
    );
    const last = rows[rows.length - 1]; // the position, in the log's order
    if (rows.length > 0)
      this.log.info({ jobId: job.id, sent: rows.length }, 'recovery: batch published');
    return {
      sent: rows.length,
      after: last ? { us: last.createdUs, id: last.id } : null,
      done: rows.length < RECOVERY_BATCH,
    };
  }
}

function occurredAt(d: RecoverableDelivery): number {
  return Date.parse((d.event as EventEnvelope).occurred_at) || 0;
}
