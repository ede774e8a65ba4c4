import { WebhookView } from '@hookline/kafka';
import { PRODUCER_EVENT_TYPE_NAMES, newId, type WebhookState } from '@hookline/contracts';
import { SubscriptionIndex, type Subscription } from '../fanout/subscription-index';

/**
 * Memory of fan-out's webhook view + subscription index per 100,000 webhooks, measured as the
 * heap growth after feeding changelog records (run with --expose-gc):
 *   node --expose-gc -r ./tools/register.js apps/fanout/src/bench/index-memory.ts [webhooks]
 */
function state(i: number, projects: number): WebhookState {
  const types = PRODUCER_EVENT_TYPE_NAMES;
  const events =
    i % 3 === 0
      ? ['*']
      : i % 3 === 1
        ? ['ignite.deployment.*']
        : [types[i % types.length]!, types[(i * 7) % types.length]!];
  return {
    id: newId('webhook'),
    project_id: `prj_bench${i % projects}`,
    url: `https://hooks.example.com/w/${i}`,
    events,
    description: null,
    active: true,
    disabled_reason: null,
    signature_scheme: 'standard',
    secrets: [{ ciphertext: 'x'.repeat(80), expires_at: null }],
    version: 1,
    created_at: '2026-11-22T00:00:00.000Z',
    updated_at: '2026-11-22T00:00:00.000Z',
  };
}

function heapMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

const count = Number(process.argv[2] ?? 100_000);
const index = new SubscriptionIndex();
const view = new WebhookView<Subscription>({ select: (s) => index.subscriptionOf(s) });
view.onChange((previous, next, id) => index.update(id, previous, next));
view.apply('wh_warmup', Buffer.from(JSON.stringify(state(0, 1)))); // compiles the code paths first
view.apply('wh_warmup', null);
const before = heapMb();
for (let i = 0; i < count; i++) {
  const s = state(i, 1000);
  view.apply(s.id, Buffer.from(JSON.stringify(s)));
}
const after = heapMb();
const perHundredK = ((after - before) * 100_000) / count;
process.stdout.write(
  `${count} webhooks over 1000 projects: view + index ${(after - before).toFixed(1)} MB heap, ${perHundredK.toFixed(1)} MB per 100k webhooks (index size ${index.size})\n`,
);
