import { BRIEF_PAYLOADS } from './brief-payloads';
import { BUILT_IN_EXAMPLES } from './built-in-examples';
import {
  EVENT_TYPE_NAMES,
  PRODUCER_EVENT_TYPE_NAMES,
  describeCatalog,
  findEventType,
  isProducerEventType,
} from './catalog';

// The default catalog of DESIGN.md, spelled out once more so a rename cannot slip through.
const DESIGN_TYPES = [
  ...['created', 'updated', 'deleted'].map((a) => `ignite.deployment.${a}`),
  ...['created', 'started', 'updated'].map((a) => `ignite.deployment.build.${a}`),
  ...['created', 'updated'].map((a) => `ignite.deployment.rollout.${a}`),
  ...['created', 'updated', 'metrics_update', 'deleted'].map(
    (a) => `ignite.deployment.container.${a}`,
  ),
  ...['created', 'updated', 'deleted'].map((a) => `ignite.deployment.healthcheck.${a}`),
  ...['failed', 'succeeded'].map((a) => `ignite.deployment.healthcheck.events.${a}`),
  ...['created', 'updated', 'deleted'].map((a) => `ignite.deployment.gateway.${a}`),
  'project.updated',
  ...['created', 'updated', 'deleted'].map((a) => `project.member.${a}`),
  ...['created', 'deleted'].map((a) => `project.tokens.${a}`),
  ...['created', 'updated', 'deleted'].map((a) => `project.secrets.${a}`),
  'project.finance.transaction',
];
const PLATFORM_TYPES = [
  'webhook.ping',
  'webhook.disabled',
  'webhook.enabled',
  'delivery.dead',
  'webhook.circuit_opened',
  'webhook.circuit_closed',
  'webhook.throttled',
  'webhook.verification_failed',
];

describe('EVENT_CATALOG', () => {
  it('should hold every type of the design and nothing else', () => {
    expect([...EVENT_TYPE_NAMES].sort()).toEqual([...DESIGN_TYPES, ...PLATFORM_TYPES].sort());
  });

  it('should let producers publish every type but the platform ones', () => {
    expect([...PRODUCER_EVENT_TYPE_NAMES].sort()).toEqual([...DESIGN_TYPES].sort());
    expect(isProducerEventType('ignite.deployment.created')).toBe(true);
    expect(isProducerEventType('webhook.disabled')).toBe(false);
    expect(isProducerEventType('nope')).toBe(false);
  });

  it('should accept realistic container metrics', () => {
    const result = findEventType('ignite.deployment.container.metrics_update')!.data.safeParse({
      deployment_id: 'dep_1',
      project_id: 'prj_1',
      container_id: 'ctr_1',
      metrics: {
        memory_usage_percent: 41.5,
        memory_usage_bytes: 214_748_364,
        cpu_usage_percent: 180,
      },
    });
    expect(result.success).toBe(true);
  });

  it.each(BRIEF_PAYLOADS)("should accept the brief's documented $event payload as sent", (p) => {
    const result = findEventType(p.event)!.data.safeParse(p.data);
    expect(result.error).toBeUndefined();
    expect(result.data).toEqual(p.data);
  });

  it('should accept fields it does not know, at any depth, and keep them', () => {
    const data = {
      container_id: 'ctr_1',
      region: 'eu-west',
      metrics: {
        memory_usage_percent: 1,
        memory_usage_bytes: 1,
        cpu_usage_percent: 1,
        cpu_temp: 70,
      },
    };
    const result = findEventType('ignite.deployment.container.metrics_update')!.data.safeParse(
      data,
    );
    expect(result.data).toEqual(data);
  });

  it('should name the path of a known field of the wrong type', () => {
    const result = findEventType('ignite.deployment.container.metrics_update')!.data.safeParse({
      deployment_id: 7,
      container_id: 'ctr_1',
      metrics: {
        memory_usage_percent: 140,
        memory_usage_bytes: '1',
        cpu_usage_percent: 'busy',
      },
    });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.')).sort()).toEqual([
      'deployment_id',
      'metrics.cpu_usage_percent',
      'metrics.memory_usage_bytes',
      'metrics.memory_usage_percent',
    ]);
  });

  it('should keep money in integer minor units', () => {
    const schema = findEventType('project.finance.transaction')!.data;
    const base = { project_id: 'prj_1', id: 'txn_1', currency: 'USD', kind: 'charge' };
    expect(schema.safeParse({ ...base, amount: 1999 }).success).toBe(true);
    expect(schema.safeParse({ ...base, amount: 19.99 }).success).toBe(false);
    expect(schema.safeParse({ ...base, amount: 1999, currency: 'usd' }).success).toBe(false);
  });

  it.each(EVENT_TYPE_NAMES.map((n) => [n]))('should give %s an example that fits it', (name) => {
    const example = BUILT_IN_EXAMPLES[name];
    expect(findEventType(name)!.data.safeParse(example).error).toBeUndefined();
  });

  it('should describe each type with a JSON Schema of its data', () => {
    const described = describeCatalog();
    expect(described).toHaveLength(EVENT_TYPE_NAMES.length);
    const metrics = described.find((d) => d.name === 'ignite.deployment.container.metrics_update')!;
    expect(metrics.description).toEqual(expect.any(String));
    expect(metrics.schema).toMatchObject({
      type: 'object',
      additionalProperties: {},
      required: expect.arrayContaining(['container_id', 'metrics']),
    });
  });
});
