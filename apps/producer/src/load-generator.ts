import { ROOT_CONTEXT, SpanKind, context, trace } from '@opentelemetry/api';
import type { EventData, ProducerEventType } from '@hookline/contracts';
import type { EventPublisher } from '@hookline/producer';
import { tracer } from '@hookline/telemetry';
import type { LoadOptions } from './cli-options';
import { DomainSimulator } from './domain-simulator';
import type { Random } from './simulation/random-source';

export interface LoadReport {
  sent: number;
  failed: number;
  elapsedMs: number;
  /** Acknowledged events per second over the whole run. */
  rate: number;
  lastError?: string;
}

// Enough outstanding events to fill several produce batches; more only costs memory.
const MAX_IN_FLIGHT = 10_000;
// Events made per turn of the event loop: small enough that acknowledgements keep flowing.
const CHUNK = 500;

/**
 * Publishes events of the mix at the requested rate, round-robin over the projects, and reports
 * progress once a second.
 */
export class LoadGenerator {
  private readonly tracer = tracer('hookline-producer');
  private issued = 0;
  private sent = 0;
  private failed = 0;
  private inFlight = 0;
  private lastError?: string;
  private stopping = false;
  private settled?: () => void;
  private interrupt?: () => void;

  constructor(
    private readonly publisher: Pick<EventPublisher, 'publish'>,
    private readonly options: LoadOptions,
    private readonly print: (line: string) => void,
    private readonly simulator = new DomainSimulator(),
    private readonly random: Random = Math.random,
  ) {}

  /** Stops issuing events; `run` resolves once those in flight are settled. */
  stop(): void {
    this.stopping = true;
    this.interrupt?.();
  }

  async run(): Promise<LoadReport> {
    const started = Date.now();
    let lastTick = { at: started, sent: 0 };
    const progress = setInterval(() => {
      const now = Date.now();
      const current = ((this.sent - lastTick.sent) * 1000) / (now - lastTick.at);
      lastTick = { at: now, sent: this.sent };
      this.print(
        `sent ${this.sent}${this.options.count ? `/${this.options.count}` : ''}` +
          ` (${current.toFixed(0)}/s now, ${this.average(started).toFixed(0)}/s average)` +
          `, failed ${this.failed}${this.lastError ? ` (last: ${this.lastError})` : ''}`,
      );
    }, 1000);
    try {
      while (!this.stopping && !this.done()) {
        const budget = this.budget(started);
        for (let i = 0; i < budget; i++) this.issue();
        await this.waitForTurn(started, budget);
      }
      while (this.inFlight > 0) await this.nextSettle();
    } finally {
      clearInterval(progress);
    }
    return {
      sent: this.sent,
      failed: this.failed,
      elapsedMs: Date.now() - started,
      rate: this.average(started),
      lastError: this.lastError,
    };
  }

  private done(): boolean {
    return this.options.count !== undefined && this.issued >= this.options.count;
  }

  /** How many events may be issued now. */
  private budget(started: number): number {
    const { rate, count } = this.options;
    const due =
      rate > 0 ? Math.floor(((Date.now() - started) * rate) / 1000) + 1 - this.issued : Infinity;
    const left = count === undefined ? Infinity : count - this.issued;
    return Math.max(0, Math.min(due, left, MAX_IN_FLIGHT - this.inFlight, CHUNK));
  }

  private async waitForTurn(started: number, issuedNow: number): Promise<void> {
    if (this.inFlight >= MAX_IN_FLIGHT) return this.nextSettle();
    if (this.options.rate > 0) {
      const nextDue = started + (this.issued * 1000) / this.options.rate;
      const wait = Math.max(1, nextDue - Date.now());
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        this.interrupt = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.interrupt = undefined;
      return;
    }
    // Full speed: let the publisher's batches go out before issuing more.
    if (issuedNow > 0) await new Promise((resolve) => setImmediate(resolve));
    else await this.nextSettle();
  }

  private nextSettle(): Promise<void> {
    return new Promise((resolve) => (this.settled = resolve));
  }

  private issue(): void {
    const projectId = this.options.projects[this.issued % this.options.projects.length]!;
    const type: ProducerEventType = this.options.mix.next(this.random);
    const data = this.simulator.next(type, projectId) as EventData<typeof type>;
    this.issued++;
    this.inFlight++;
    // Each event starts a trace of its own, as the code that makes an event in a real producer
    // would: the publisher puts the active span's `traceparent` on the message, and the services
    // carry it on to the endpoint.
    const span = this.tracer.startSpan(`create ${type}`, { kind: SpanKind.PRODUCER }, ROOT_CONTEXT);
    context
      .with(trace.setSpan(ROOT_CONTEXT, span), () =>
        this.publisher.publish(type, data, { projectId }),
      )
      .then(
        () => this.settle(true),
        (e: unknown) => this.settle(false, e),
      )
      .finally(() => span.end());
  }

  private settle(ok: boolean, error?: unknown): void {
    this.inFlight--;
    if (ok) this.sent++;
    else {
      this.failed++;
      this.lastError = (error as Error).message;
    }
    const settled = this.settled;
    this.settled = undefined;
    settled?.();
  }

  private average(started: number): number {
    return (this.sent * 1000) / Math.max(1, Date.now() - started);
  }
}
