import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export class FanoutMetrics {
  readonly eventsConsumed: Counter;
  readonly tasksProduced: Counter;
  readonly eventsDeadLettered: Counter;
  readonly indexSize: Gauge;
  readonly consumerLag: Gauge<'partition'>;
  readonly matchSeconds: Histogram;

  constructor(registry: Registry) {
    const registers = [registry];
    this.eventsConsumed = new Counter({ name: 'hookline_fanout_events_consumed_total', help: 'Events read from hookline.events', registers });
    this.tasksProduced = new Counter({ name: 'hookline_fanout_tasks_produced_total', help: 'Delivery tasks acknowledged by Kafka', registers });
    this.eventsDeadLettered = new Counter({ name: 'hookline_fanout_events_dead_lettered_total', help: 'Poison events sent to hookline.events.dlq', registers });
    this.indexSize = new Gauge({ name: 'hookline_fanout_index_webhooks', help: 'Active webhooks in the subscription index', registers });
    this.consumerLag = new Gauge({ name: 'hookline_fanout_consumer_lag', help: 'Messages of hookline.events not yet consumed', labelNames: ['partition'], registers });
    this.matchSeconds = new Histogram({
      name: 'hookline_fanout_match_seconds',
      help: 'Time to match one event to its subscriptions',
      buckets: [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01],
      registers,
    });
  }
}
