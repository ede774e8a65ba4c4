import {
  PRODUCER_EVENT_TYPE_NAMES,
  isProducerEventType,
  matchesSubscription,
  type ProducerEventType,
} from '@hookline/contracts';
import type { Random } from './simulation/random-source';

/**
 * Relative frequency of each type on a busy platform: metrics and health-check results dominate,
 * lifecycle changes are rarer, money moves rarely.
 */
export const DEFAULT_WEIGHTS: Record<ProducerEventType, number> = {
  'ignite.deployment.container.metrics_update': 600,
  'ignite.deployment.healthcheck.events.succeeded': 150,
  'ignite.deployment.healthcheck.events.failed': 8,
  'ignite.deployment.container.updated': 40,
  'ignite.deployment.container.created': 20,
  'ignite.deployment.container.deleted': 15,
  'ignite.deployment.build.created': 8,
  'ignite.deployment.build.started': 8,
  'ignite.deployment.build.updated': 25,
  'ignite.deployment.rollout.created': 5,
  'ignite.deployment.rollout.updated': 12,
  'ignite.deployment.created': 3,
  'ignite.deployment.updated': 6,
  'ignite.deployment.deleted': 1,
  'ignite.deployment.healthcheck.created': 2,
  'ignite.deployment.healthcheck.updated': 2,
  'ignite.deployment.healthcheck.deleted': 1,
  'ignite.deployment.gateway.created': 2,
  'ignite.deployment.gateway.updated': 2,
  'ignite.deployment.gateway.deleted': 1,
  'project.updated': 2,
  'project.member.created': 3,
  'project.member.updated': 2,
  'project.member.deleted': 1,
  'project.tokens.created': 3,
  'project.tokens.deleted': 2,
  'project.secrets.created': 3,
  'project.secrets.updated': 3,
  'project.secrets.deleted': 1,
  'project.finance.transaction': 1,
};

export class EventMixError extends Error {}

/** Picks event types at random in proportion to their weights. */
export class EventMix {
  private readonly cumulative: { type: ProducerEventType; upTo: number }[] = [];
  private readonly total: number;

  constructor(weights: Partial<Record<ProducerEventType, number>>) {
    let sum = 0;
    for (const [type, weight] of Object.entries(weights) as [ProducerEventType, number][]) {
      if (weight <= 0) continue;
      sum += weight;
      this.cumulative.push({ type, upTo: sum });
    }
    if (sum === 0) throw new EventMixError('the mix has no event type');
    this.total = sum;
  }

  get types(): ProducerEventType[] {
    return this.cumulative.map((c) => c.type);
  }

  next(random: Random = Math.random): ProducerEventType {
    const x = random() * this.total;
    return (this.cumulative.find((c) => x < c.upTo) ?? this.cumulative[this.cumulative.length - 1]!)
      .type;
  }

  /**
   * `--types`: comma-separated types or wildcards (`ignite.deployment.*`), each optionally with a
   * weight (`project.finance.transaction=5`); without one a type keeps its default weight.
   */
  static parse(spec: string | undefined): EventMix {
    if (!spec) return new EventMix(DEFAULT_WEIGHTS);
    const weights: Partial<Record<ProducerEventType, number>> = {};
    for (const part of spec
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const [pattern, weightText] = part.split('=') as [string, string | undefined];
      const weight = weightText === undefined ? undefined : Number(weightText);
      if (weight !== undefined && !(Number.isFinite(weight) && weight > 0)) {
        throw new EventMixError(`--types: "${part}" needs a positive weight`);
      }
      const types = PRODUCER_EVENT_TYPE_NAMES.filter((t) => matchesSubscription(pattern, t));
      if (types.length === 0 || (!pattern.endsWith('*') && !isProducerEventType(pattern))) {
        throw new EventMixError(
          `--types: "${pattern}" names no publishable event type; valid: ${PRODUCER_EVENT_TYPE_NAMES.join(', ')}`,
        );
      }
      for (const type of types) weights[type] = weight ?? DEFAULT_WEIGHTS[type];
    }
    return new EventMix(weights);
  }
}
