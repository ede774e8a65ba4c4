import { PRODUCER_EVENT_TYPE_NAMES } from '@hookline/contracts';
import { MAX_EVENT_BYTES, buildEnvelope } from './envelope-builder';
import { InvalidEventDataError, UnknownEventTypeError } from './publish-errors';

const metrics = {
  deployment_id: 'dep_1',
  project_id: 'prj_1',
  container_id: 'ctr_1',
  metrics: { memory_usage_percent: 41.5, memory_usage_bytes: 214_748_364, cpu_usage_percent: 12 },
};

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe(buildEnvelope.name, () => {
  it('should build the envelope of a valid event', () => {
    const envelope = buildEnvelope('ignite.deployment.container.metrics_update', metrics, {
      projectId: 'prj_a',
      occurredAt: new Date('2026-11-22T15:46:13.323Z'),
    });
    expect(envelope).toEqual({
      id: expect.stringMatching(/^evt_/),
      project_id: 'prj_a',
      event: 'ignite.deployment.container.metrics_update',
      occurred_at: '2026-11-22T15:46:13.323Z',
      data: metrics,
    });
    expect(Object.keys(envelope)).toEqual(['id', 'project_id', 'event', 'occurred_at', 'data']);
  });

  it('should keep a given id and apply the defaults of the schema', () => {
    const envelope = buildEnvelope(
      'project.secrets.created',
      { project_id: 'p', secret_id: 's', name: 'DATABASE_URL' },
      { projectId: 'prj_a', id: 'evt_mine_1' },
    );
    expect(envelope.id).toBe('evt_mine_1');
    expect(envelope.data).toEqual({
      project_id: 'p',
      secret_id: 's',
      name: 'DATABASE_URL',
      deployment_ids: [],
    });
  });

  it('should name the valid types for an unknown one', () => {
    const e = thrown(() => buildEnvelope('ignite.deployment.exploded', {}, { projectId: 'prj_a' }));
    expect(e).toBeInstanceOf(UnknownEventTypeError);
    expect((e as UnknownEventTypeError).validTypes).toEqual(PRODUCER_EVENT_TYPE_NAMES);
    expect((e as Error).message).toContain('ignite.deployment.container.metrics_update');
  });

  it('should refuse a type only the platform emits', () => {
    const e = thrown(() =>
      buildEnvelope(
        'webhook.disabled',
        { webhook_id: 'wh_1', reason: 'x' },
        { projectId: 'prj_a' },
      ),
    );
    expect(e).toBeInstanceOf(UnknownEventTypeError);
    expect((e as Error).message).toContain('platform');
  });

  it('should keep a field the catalog does not know, as sent', () => {
    const data = { ...metrics, metrics: { ...metrics.metrics, gpu: 1 }, added: { a: [1] } };
    const envelope = buildEnvelope('ignite.deployment.container.metrics_update', data, {
      projectId: 'prj_a',
    });
    expect(envelope.data).toEqual(data);
  });

  it('should report every bad field with its path', () => {
    const bad = {
      ...metrics,
      container_id: 7,
      metrics: { ...metrics.metrics, memory_usage_percent: 140, gpu: 1 },
    };
    const e = thrown(() =>
      buildEnvelope('ignite.deployment.container.metrics_update', bad, {
        projectId: 'acme',
        id: 'nope',
        occurredAt: 'yesterday',
      }),
    ) as InvalidEventDataError;
    expect(e).toBeInstanceOf(InvalidEventDataError);
    expect(e.issues.map((i) => i.field).sort()).toEqual(
      [
        'data.container_id',
        'data.metrics.memory_usage_percent',
        'id',
        'occurred_at',
        'project_id',
      ].sort(),
    );
  });

  it('should refuse data that is not an object', () => {
    const e = thrown(() =>
      buildEnvelope('project.updated', null, { projectId: 'prj_a' }),
    ) as InvalidEventDataError;
    expect(e.issues).toEqual([{ field: 'data', message: expect.any(String) }]);
  });

  it('should refuse an event over the size limit', () => {
    const big = { ...metrics, container_id: 'x'.repeat(MAX_EVENT_BYTES) };
    const e = thrown(() =>
      buildEnvelope('ignite.deployment.container.metrics_update', big, { projectId: 'prj_a' }),
    ) as InvalidEventDataError;
    expect(e).toBeInstanceOf(InvalidEventDataError);
    expect(e.issues[0]!.field).toBe('data');
  });
});
