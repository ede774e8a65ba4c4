import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type EventOutcome = 'fanned_out' | 'unmatched' | 'dead_lettered';

/** What /metrics shows of fan-out. */
export class FanoutMetrics {
  readonly eventsConsumed: Record<EventOutcome, { inc(n?: number): void }>;
  readonly tasksProduced: Counter;
  readonly consumerLag: Gauge<'partition'>;
  readonly indexWebhooks: Gauge;
  readonly indexSubscriptions: Gauge;
  readonly changelogCaughtUp: Gauge;
  readonly matchSeconds: Histogram;

  constructor(registry: Registry) {
    const registers = [registry];
    const consumed = new Counter({
      name: 'hookline_fanout_events_consumed_total',
      help: 'Events read from hookline.events, by outcome (fanned_out: at least one task; dead_lettered: sent to hookline.events.dlq)',
      labelNames: ['outcome'],
      registers,
    });
    // Bound children: no label lookup per event on the hot path.
    this.eventsConsumed = {
      fanned_out: consumed.labels('fanned_out'),
      unmatched: consumed.labels('unmatched'),
      dead_lettered: consumed.labels('dead_lettered'),
    };
    this.tasksProduced = new Counter({
      name: 'hookline_fanout_tasks_produced_total',
      help: 'Delivery tasks acknowledged by Kafka on hookline.deliveries',
      registers,
    });
    this.consumerLag = new Gauge({
      name: 'hookline_fanout_consumer_lag',
      help: 'Messages of hookline.events after the last one fanned out, per partition assigned to this process',
      labelNames: ['partition'],
      registers,
    });
    this.indexWebhooks = new Gauge({
      name: 'hookline_fanout_index_webhooks',
      help: 'Active webhooks in the subscription index',
      registers,
    });
    this.indexSubscriptions = new Gauge({
      name: 'hookline_fanout_index_subscriptions',
      help: '(webhook, event pattern) pairs in the subscription index',
      registers,
    });
    this.changelogCaughtUp = new Gauge({
      name: 'hookline_fanout_changelog_caught_up',
      help: '1 once the subscription index has replayed the changelog up to its end at boot',
      registers,
    });
    this.matchSeconds = new Histogram({
      name: 'hookline_fanout_match_seconds',
      help: 'Time to find the webhooks subscribed to one event',
      buckets: [0.000_001, 0.000_005, 0.000_01, 0.000_05, 0.000_1, 0.000_5, 0.001, 0.005, 0.01],
      registers,
    });
  }
}
