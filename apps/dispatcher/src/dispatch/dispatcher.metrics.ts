import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { CIRCUIT_STATES, type CircuitState } from '@hookline/contracts';

/** What /metrics shows of delivery. */
export class DispatcherMetrics {
  /** outcome: `success`, or the attempt's error class. */
  readonly attempts: Counter<'outcome'>;
  readonly attemptSeconds: Histogram<'outcome'>;
  readonly retriesScheduled: Counter<'tier'>;
  readonly deadLettered: Counter;
  readonly inFlightRequests: Gauge;
  readonly pendingTasks: Gauge<'consumer'>;
  readonly tasksDropped: Counter<'reason'>;
  readonly tasksHeld: Counter<'reason'>;
  readonly webhooksDisabled: Counter<'reason'>;
  readonly partitionsPaused: Gauge<'consumer' | 'why'>;
  readonly consumerRestarts: Counter<'consumer'>;
  readonly circuits: Gauge<'state'>;
  readonly circuitTransitions: Counter<'state'>;
  private circuitCounts?: () => Record<CircuitState, number>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.attempts = new Counter({
      name: 'hookline_dispatcher_attempts_total',
      help: 'HTTP delivery attempts, by outcome (success, or the error class: http_status, timeout, redirect, …)',
      labelNames: ['outcome'],
      registers,
    });
    this.attemptSeconds = new Histogram({
      name: 'hookline_dispatcher_attempt_duration_seconds',
      help: 'Duration of delivery attempts, request sent to response read',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30],
      registers,
    });
    this.retriesScheduled = new Counter({
      name: 'hookline_dispatcher_retries_scheduled_total',
      help: 'Tasks handed to a retry tier after a failed attempt, by tier',
      labelNames: ['tier'],
      registers,
    });
    this.deadLettered = new Counter({
      name: 'hookline_dispatcher_dlq_messages_total',
      help: 'Tasks produced to hookline.deliveries.dlq after their last retry (the growth of the DLQ)',
      registers,
    });
    this.inFlightRequests = new Gauge({
      name: 'hookline_dispatcher_in_flight_requests',
      help: 'HTTP requests to endpoints in progress',
      registers,
    });
    this.pendingTasks = new Gauge({
      name: 'hookline_dispatcher_pending_tasks',
      help: 'Tasks read and not yet finished (waiting for an endpoint slot, in flight, or being recorded), in tasks of up to 8 KiB: a larger one counts for more',
      labelNames: ['consumer'],
      registers,
    });
    this.tasksDropped = new Counter({
      name: 'hookline_dispatcher_tasks_dropped_total',
      help: 'Tasks not attempted: webhook deleted or inactive, delivery already settled, or a message that is not a valid task (dead-lettered)',
      labelNames: ['reason'],
      registers,
    });
    this.tasksHeld = new Counter({
      name: 'hookline_dispatcher_tasks_held_total',
      help: "Tasks held on a retry tier without an attempt: over their webhook's throttle (throttled), to an endpoint whose circuit is open (circuit_open), or to one that stopped draining with a full round of tasks waiting (endpoint_busy)",
      labelNames: ['reason'],
      registers,
    });
    this.webhooksDisabled = new Counter({
      name: 'hookline_dispatcher_webhooks_disabled_total',
      help: 'Webhooks the dispatcher disabled (gone: 410; failed_deliveries: the disable rule)',
      labelNames: ['reason'],
      registers,
    });
    this.partitionsPaused = new Gauge({
      name: 'hookline_dispatcher_partitions_paused',
      help: 'Partitions paused: waiting for a retry to fall due, or for in-flight work to drain',
      labelNames: ['consumer', 'why'],
      registers,
    });
    this.circuits = new Gauge({
      name: 'hookline_dispatcher_circuits',
      help: 'Endpoints (webhook URLs) by circuit state in this process (closed: failures counted, not open)',
      labelNames: ['state'],
      registers,
      collect: () => {
        const counts = this.circuitCounts?.();
        for (const state of CIRCUIT_STATES) this.circuits.set({ state }, counts?.[state] ?? 0);
      },
    });
    this.circuitTransitions = new Counter({
      name: 'hookline_dispatcher_circuit_transitions_total',
      help: 'Endpoint circuits moving into a state (open, half_open, closed)',
      labelNames: ['state'],
      registers,
    });
    this.consumerRestarts = new Counter({
      name: 'hookline_dispatcher_consumer_restarts_total',
      help: 'Consumers re-created after kafkajs gave up on them (a crash it does not restart)',
      labelNames: ['consumer'],
      registers,
    });
  }

  /** Where the circuits gauge reads its counts at each scrape. */
  observeCircuits(counts: () => Record<CircuitState, number>): void {
    this.circuitCounts = counts;
  }
}
