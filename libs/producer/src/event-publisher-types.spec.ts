import { typeCheck } from '@hookline/testing';
import type { EventPublisher } from './event-publisher';
import type { EventOutbox } from './outbox/event-outbox';
import type { EntityManager } from 'typeorm';

/*
 * Compile-time checks of the publishing API: each `@ts-expect-error` line must be a real type
 * error. The test below compiles this file, so wrong data that starts to compile fails `npm test`.
 */
export async function compileTimeChecks(publisher: EventPublisher, outbox: EventOutbox, tx: EntityManager) {
  const opts = { projectId: 'prj_1' };
  const metrics = { memory_usage_percent: 41.5, memory_usage_bytes: 214_748_364, cpu_usage_percent: 12 };
  const container = { deployment_id: 'dep_1', project_id: 'prj_1', container_id: 'ctr_1' };

  await publisher.publish('ignite.deployment.container.metrics_update', { ...container, metrics }, opts);
  await publisher.publish(
    'ignite.deployment.container.metrics_update',
    // @ts-expect-error cpu_usage_percent is a number
    { ...container, metrics: { ...metrics, cpu_usage_percent: 'busy' } },
    opts,
  );
  // @ts-expect-error the data of another type
  await publisher.publish('ignite.deployment.container.metrics_update', { project_id: 'p', name: 'n', tier: 'pro', region: 'eu' }, opts);
  // @ts-expect-error not in the catalog
  await publisher.publish('ignite.deployment.exploded', {}, opts);
  // @ts-expect-error the project id is required
  await publisher.publish('project.tokens.deleted', { project_id: 'p', token_id: 't', name: 'ci', created_by: 'u' }, {});
  await publisher.publishMany([
    { type: 'project.finance.transaction', data: { project_id: 'p', id: 'tx', amount: 100, currency: 'USD', kind: 'charge' }, ...opts },
    // @ts-expect-error amount belongs to project.finance.transaction, not to project.updated
    { type: 'project.updated', data: { project_id: 'p', id: 'tx', amount: 100, currency: 'USD', kind: 'charge' }, ...opts },
  ]);
  await outbox.add(tx, 'ignite.deployment.deleted', { deployment_id: 'dep_1', project_id: 'prj_1' }, opts);
  // @ts-expect-error deployment_id is missing
  await outbox.add(tx, 'ignite.deployment.deleted', { project_id: 'prj_1' }, opts);
}

describe('EventPublisher types', () => {
  it('should not compile wrong data for a type', () => {
    expect(typeCheck([__filename])).toEqual([]);
  });
});
