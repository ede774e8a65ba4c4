import type { EntityManager } from 'typeorm';
import type { EventData } from '@hookline/contracts';
import { typeCheck } from '@hookline/testing';
import type { EventPublisher } from './event-publisher';
import type { EventOutbox } from './outbox/event-outbox';

/*
 * Compile-time checks of the publishing API: each `@ts-expect-error` line must be a real type
 * error. The test below compiles this file, so wrong data that starts to compile fails `npm test`.
 */
type Metrics = EventData<'ignite.deployment.container.metrics_update'>;
type Transaction = EventData<'project.finance.transaction'>;

const metrics: Metrics = {
  deployment_id: 'dep_1',
  project_id: 'prj_1',
  container_id: 'ctr_1',
  metrics: { memory_usage_percent: 41.5, memory_usage_bytes: 214_748_364, cpu_usage_percent: 12 },
};
const busy = { ...metrics, metrics: { ...metrics.metrics, cpu_usage_percent: 'busy' } };
const project: EventData<'project.updated'> = {
  project_id: 'p',
  name: 'n',
  tier: 'pro',
  region: 'eu',
};
const payment: Transaction = {
  project_id: 'p',
  id: 'tx',
  amount: 100,
  currency: 'USD',
  kind: 'charge',
};
const deletion = { deployment_id: 'dep_1', project_id: 'prj_1' };
const opts = { projectId: 'prj_1' };

export async function compileTimeChecks(
  publisher: EventPublisher,
  outbox: EventOutbox,
  tx: EntityManager,
) {
  await publisher.publish('ignite.deployment.container.metrics_update', metrics, opts);
  // @ts-expect-error cpu_usage_percent is a number
  await publisher.publish('ignite.deployment.container.metrics_update', busy, opts);
  // @ts-expect-error the data of another type
  await publisher.publish('ignite.deployment.container.metrics_update', project, opts);
  // @ts-expect-error not in the catalog
  await publisher.publish('ignite.deployment.exploded', {}, opts);
  // @ts-expect-error the project id is required
  await publisher.publish('project.updated', project, {});
  await publisher.publishMany([{ type: 'project.finance.transaction', data: payment, ...opts }]);
  // @ts-expect-error a transaction is not the data of project.updated
  await publisher.publishMany([{ type: 'project.updated', data: payment, ...opts }]);
  await outbox.add(tx, 'ignite.deployment.deleted', deletion, opts);
  // @ts-expect-error deployment_id is a string
  await outbox.add(tx, 'ignite.deployment.deleted', { deployment_id: 7 }, opts);
}

describe('EventPublisher types', () => {
  it('should not compile wrong data for a type', () => {
    expect(typeCheck([__filename])).toEqual([]);
  });
});
