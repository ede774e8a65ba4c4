import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';
import type { EventData, ProducerEventType } from './catalog';

/*
 * Compile-time checks: each `@ts-expect-error` below must be a real type error, otherwise the
 * compiler reports the directive as unused. `tsc --noEmit` checks them, and so does the test at the
 * end of this file, so `npm test` fails too when wrong data starts to compile.
 */

function typed<T extends ProducerEventType>(_type: T, data: EventData<T>): EventData<T> {
  return data;
}

export const compileTimeChecks = [
  typed('ignite.deployment.container.metrics_update', {
    deployment_id: 'dep_1',
    project_id: 'prj_1',
    container_id: 'ctr_1',
    metrics: { memory_usage_percent: 41.5, memory_usage_bytes: 214_748_364, cpu_usage_percent: 12 },
  }),
  typed('ignite.deployment.container.metrics_update', {
    deployment_id: 'dep_1',
    project_id: 'prj_1',
    container_id: 'ctr_1',
    // @ts-expect-error a percentage is a number or a decimal string, not any string
    metrics: { memory_usage_percent: '41%', memory_usage_bytes: 1, cpu_usage_percent: 1 },
  }),
  // Hop's documented payload: decimal strings, no deployment or project id.
  typed('ignite.deployment.container.metrics_update', {
    container_id: 'container_1',
    metrics: {
      memory_usage_percent: '0.07',
      memory_usage_bytes: 393216,
      cpu_usage_percent: '0.00',
    },
  }),
  // @ts-expect-error the metrics are required
  typed('ignite.deployment.container.metrics_update', {
    deployment_id: 'dep_1',
    project_id: 'prj_1',
    container_id: 'ctr_1',
  }),
  typed('project.finance.transaction', {
    project_id: 'prj_1',
    id: 'txn_1',
    amount: 4200,
    currency: 'EUR',
    // @ts-expect-error not a transaction kind
    kind: 'gift',
  }),
  typed('project.member.created', {
    project_id: 'prj_1',
    user_id: 'usr_1',
    email: 'ada@example.com',
    role: 'admin',
    // @ts-expect-error an unknown field in an object literal
    nickname: 'ada',
  }),
  // @ts-expect-error a platform type is not publishable
  typed('webhook.disabled', { webhook_id: 'wh_1', reason: 'manual' }),
  // @ts-expect-error not a type of the catalog
  typed('ignite.deployment.exploded', {}),
  // A field with a default may be left out.
  typed('project.secrets.created', {
    project_id: 'prj_1',
    secret_id: 'sec_1',
    name: 'DATABASE_URL',
  }),
];

describe('EventData', () => {
  it('should reject wrong data at compile time', () => {
    const file = join(__dirname, 'catalog-types.spec.ts');
    const config = ts.readConfigFile(
      join(__dirname, '..', '..', '..', '..', 'tsconfig.base.json'),
      (p) => readFileSync(p, 'utf8'),
    );
    const { options } = ts.parseJsonConfigFileContent(
      config.config,
      ts.sys,
      join(__dirname, '..', '..', '..', '..'),
    );
    const program = ts.createProgram([file], { ...options, noEmit: true });
    const diagnostics = ts.getPreEmitDiagnostics(program, program.getSourceFile(file));
    const messages = diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    // An unused @ts-expect-error is a diagnostic too, so none means every line above fails to compile.
    expect(messages).toEqual([]);
  });
});
