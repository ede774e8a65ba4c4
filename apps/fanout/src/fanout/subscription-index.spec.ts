import {
  EVENT_TYPE_NAMES,
  PENDING_VERIFICATION,
  matchesSubscription,
  type WebhookState,
} from '@hookline/contracts';
import { SubscriptionIndex, normaliseSubscriptions, type Subscription } from './subscription-index';

const state = (
  id: string,
  project_id: string,
  events: string[],
  patch: Partial<WebhookState> = {},
): WebhookState => ({
  id,
  project_id,
  url: 'https://example.test/hook',
  events,
  description: null,
  active: true,
  disabled_reason: null,
  signature_scheme: 'standard',
  secrets: [{ ciphertext: 'AAAA', expires_at: null }],
  version: 1,
  created_at: '2026-11-22T00:00:00.000Z',
  updated_at: '2026-11-22T00:00:00.000Z',
  ...patch,
});

describe(SubscriptionIndex.name, () => {
  let sut: SubscriptionIndex;
  let held: Map<string, Subscription>;
  /** Applies a state the way the WebhookView listener does (undefined = deleted). */
  const apply = (id: string, next: WebhookState | undefined) => {
    const subscription = next && sut.subscriptionOf(next);
    sut.update(id, held.get(id), subscription);
    if (subscription) held.set(id, subscription);
    else held.delete(id);
  };
  const hook = (id: string, project: string, events: string[], patch: Partial<WebhookState> = {}) =>
    apply(id, state(id, project, events, patch));
  const sorted = (ids: string[]) => [...ids].sort();

  beforeEach(() => {
    sut = new SubscriptionIndex();
    held = new Map();
  });

  it('should match exact types and every trailing wildcard of the type', () => {
    hook('wh_exact', 'prj_1', ['ignite.deployment.container.metrics_update']);
    hook('wh_container', 'prj_1', ['ignite.deployment.container.*']);
    hook('wh_deploy', 'prj_1', ['ignite.deployment.*']);
    hook('wh_ignite', 'prj_1', ['ignite.*']);
    hook('wh_all', 'prj_1', ['*']);
    hook('wh_project', 'prj_1', ['project.*']);
    hook('wh_other', 'prj_1', ['ignite.deployment.container.created']);
    expect(sorted(sut.match('prj_1', 'ignite.deployment.container.metrics_update'))).toEqual([
      'wh_all',
      'wh_container',
      'wh_deploy',
      'wh_exact',
      'wh_ignite',
    ]);
    expect(sorted(sut.match('prj_1', 'project.member.created'))).toEqual(['wh_all', 'wh_project']);
    expect(sorted(sut.match('prj_1', 'ignite.deployment'))).toEqual(['wh_all', 'wh_ignite']);
  });

  it('should list a webhook once when several of its patterns match', () => {
    hook('wh_1', 'prj_1', [
      'ignite.deployment.created',
      'ignite.*',
      'ignite.deployment.*',
      'ignite.*',
    ]);
    hook('wh_2', 'prj_1', ['ignite.deployment.created', '*', 'project.updated']);
    expect(sorted(sut.match('prj_1', 'ignite.deployment.created'))).toEqual(['wh_1', 'wh_2']);
    expect(sut.match('prj_1', 'project.updated')).toEqual(['wh_2']);
    expect(sut.subscriptions).toBe(2);
  });

  it('should keep projects apart', () => {
    hook('wh_a', 'prj_a', ['*']);
    hook('wh_b', 'prj_b', ['project.updated']);
    expect(sut.match('prj_a', 'project.updated')).toEqual(['wh_a']);
    expect(sut.match('prj_b', 'project.updated')).toEqual(['wh_b']);
    expect(sut.match('prj_c', 'project.updated')).toEqual([]);
  });

  it('should route to disabled webhooks (their deliveries are recorded skipped), not to unverified ones', () => {
    hook('wh_disabled', 'prj_1', ['*'], { active: false, disabled_reason: 'endpoint failing' });
    hook('wh_unverified', 'prj_1', ['*'], {
      active: false,
      disabled_reason: PENDING_VERIFICATION,
    });
    expect(sut.match('prj_1', 'project.updated')).toEqual(['wh_disabled']);
    expect(sut.size).toBe(1);
    hook('wh_unverified', 'prj_1', ['*'], { version: 2 });
    expect(sorted(sut.match('prj_1', 'project.updated'))).toEqual(['wh_disabled', 'wh_unverified']);
  });

  it('should apply a changed event list and forget deleted webhooks', () => {
    hook('wh_1', 'prj_1', ['project.updated']);
    hook('wh_1', 'prj_1', ['project.member.created'], { version: 2 });
    expect(sut.match('prj_1', 'project.updated')).toEqual([]);
    expect(sut.match('prj_1', 'project.member.created')).toEqual(['wh_1']);
    hook('wh_2', 'prj_1', ['*']);
    apply('wh_2', undefined);
    apply('wh_1', undefined);
    apply('wh_unknown', undefined);
    expect(sut.match('prj_1', 'project.member.created')).toEqual([]);
    expect(sut.size).toBe(0);
    expect(sut.subscriptions).toBe(0);
  });

  it('should agree with matchesSubscription on random subscriptions over the whole catalog', () => {
    const patterns = [
      '*',
      ...new Set(
        EVENT_TYPE_NAMES.flatMap((t) =>
          t
            .split('.')
            .slice(0, -1)
            .map((_, i, parts) => `${parts.slice(0, i + 1).join('.')}.*`),
        ),
      ),
      ...EVENT_TYPE_NAMES,
    ];
    let seed = 42;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const subscribed = new Map<string, { project: string; events: string[] }>();
    for (let i = 0; i < 300; i++) {
      const events = Array.from(
        { length: 1 + random(4) },
        () => patterns[random(patterns.length)]!,
      );
      const project = `prj_${random(3)}`;
      subscribed.set(`wh_${i}`, { project, events });
      const active = random(10) > 0;
      hook(`wh_${i}`, project, events, {
        active,
        disabled_reason: active ? null : random(2) ? PENDING_VERIFICATION : 'manual',
      });
    }
    for (const project of ['prj_0', 'prj_1', 'prj_2']) {
      for (const type of EVENT_TYPE_NAMES) {
        const expected = [...subscribed]
          .filter(
            ([id, s]) =>
              s.project === project &&
              held.get(id)!.events.length > 0 &&
              s.events.some((p) => matchesSubscription(p, type)),
          )
          .map(([id]) => id);
        expect(sorted(sut.match(project, type))).toEqual(sorted(expected));
      }
    }
  });
});

describe(normaliseSubscriptions.name, () => {
  it('should drop duplicates and patterns a wildcard of the same list covers', () => {
    expect(
      normaliseSubscriptions([
        'ignite.deployment.created',
        'ignite.deployment.*',
        'ignite.*',
        'project.updated',
        'ignite.*',
      ]),
    ).toEqual(['ignite.*', 'project.updated']);
    expect(normaliseSubscriptions(['project.updated', '*'])).toEqual(['*']);
    expect(normaliseSubscriptions(['project.member.*', 'project.updated'])).toEqual([
      'project.member.*',
      'project.updated',
    ]);
  });
});
