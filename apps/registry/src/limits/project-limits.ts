import { Inject, Injectable } from '@nestjs/common';
import type { HooklineConfig } from '@hookline/config';
import { CONFIG } from '../infra/tokens';
import type { ActionLimitName, RateBucketName } from './rate-limit.decorator';
import { TokenBuckets, type BucketVerdict } from './token-buckets';

/** What each action's limit counts by, and how it reads in a 429. */
const ACTIONS: Record<ActionLimitName, { per: 'webhook' | 'project'; what: string }> = {
  test_ping: { per: 'webhook', what: 'test pings per webhook' },
  redeliver: { per: 'project', what: 'redeliveries per project' },
};

/**
 * The limits of one project on this replica: its request rate (one bucket for the API, one for
 * ingest) and per-minute actions. In memory: a replica's buckets cost nothing per request, and N
 * replicas behind a balancer allow about N times the rate, which the README states.
 */
@Injectable()
export class ProjectLimits {
  private readonly rates: Partial<Record<RateBucketName, TokenBuckets>> = {};
  private readonly actions: Partial<Record<ActionLimitName, TokenBuckets>> = {};

  constructor(@Inject(CONFIG) config: HooklineConfig) {
    if (config.HOOKLINE_API_RATE_LIMIT > 0)
      this.rates.api = new TokenBuckets(
        config.HOOKLINE_API_RATE_LIMIT,
        config.HOOKLINE_API_RATE_BURST,
      );
    if (config.HOOKLINE_INGEST_RATE_LIMIT > 0)
      this.rates.ingest = new TokenBuckets(
        config.HOOKLINE_INGEST_RATE_LIMIT,
        config.HOOKLINE_INGEST_RATE_BURST,
      );
    const perMinute = (n: number) => (n > 0 ? new TokenBuckets(n / 60, n) : undefined);
    const ping = perMinute(config.HOOKLINE_TEST_PINGS_PER_MINUTE);
    if (ping) this.actions.test_ping = ping;
    const redeliver = perMinute(config.HOOKLINE_REDELIVERIES_PER_MINUTE);
    if (redeliver) this.actions.redeliver = redeliver;
  }

  /** A request of the project; undefined when that bucket has no limit. */
  request(bucket: RateBucketName, projectId: string, now = Date.now()): BucketVerdict | undefined {
    return this.rates[bucket]?.take(projectId, now);
  }

  /** One action; `refund` gives its token back when the action did not happen. */
  action(
    name: ActionLimitName,
    projectId: string,
    webhookId: string | undefined,
    now = Date.now(),
  ): { verdict: BucketVerdict; refund: () => void; message: string } | undefined {
    const buckets = this.actions[name];
    if (!buckets) return undefined;
    const { per, what } = ACTIONS[name];
    const key = per === 'webhook' ? `${projectId}/${webhookId ?? ''}` : projectId;
    return {
      verdict: buckets.take(key, now),
      refund: () => buckets.refund(key),
      message: `too many ${what}: at most ${buckets.burst} a minute`,
    };
  }
}
