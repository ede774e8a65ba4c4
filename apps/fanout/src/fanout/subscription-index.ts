import {
  PENDING_VERIFICATION,
  isWildcard,
  wildcardPrefix,
  type WebhookState,
} from '@hookline/contracts';

/** What fan-out keeps of a webhook: enough to index it, nothing of its URL or secrets. */
export interface Subscription {
  version: number;
  project_id: string;
  /** Normalised patterns; empty when the webhook is not routed to (it then matches nothing). */
  events: readonly string[];
}

interface ProjectSubscriptions {
  exact: Map<string, Set<string>>;
  /** Wildcard prefix ('' for `*`, `ignite.deployment.` for `ignite.deployment.*`) → webhook ids. */
  wildcard: Map<string, Set<string>>;
}

const NOTHING: readonly string[] = Object.freeze([]);

/** The pattern's prefix (`ignite.` for `ignite.*`) or the exact type itself. */
const stem = (pattern: string) => (isWildcard(pattern) ? wildcardPrefix(pattern) : pattern);

/**
 * Drops duplicates and every pattern another wildcard of the same webhook already covers
 * (`ignite.deployment.created` and `ignite.deployment.*` under `ignite.*`). What remains never
 * overlaps, so an event matches a webhook through one pattern at most and matching needs no
 * de-duplication.
 */
export function normaliseSubscriptions(events: readonly string[]): string[] {
  const unique = [...new Set(events)];
  const prefixes = unique.filter(isWildcard).map(wildcardPrefix);
  const covered = (pattern: string) =>
    prefixes.some(
      (prefix) =>
        !(isWildcard(pattern) && wildcardPrefix(pattern) === prefix) &&
        stem(pattern).startsWith(prefix),
    );
  return unique.filter((pattern) => !covered(pattern));
}

function add(map: Map<string, Set<string>>, key: string, id: string) {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(id);
}

function remove(map: Map<string, Set<string>>, key: string, id: string) {
  const set = map.get(key);
  if (!set) return;
  set.delete(id);
  if (set.size === 0) map.delete(key);
}

/**
 * Whether events are routed to a webhook. A disabled one still gets its tasks: the dispatcher
 * records them as `skipped` deliveries, which can be recovered once it is enabled again. One that
 * never passed its verification handshake has nothing to recover and gets none.
 */
export const isRouted = (state: WebhookState): boolean =>
  state.active || state.disabled_reason !== PENDING_VERIFICATION;

/**
 * Routed subscriptions (see isRouted) by project and event type. Matching an event looks up its exact type and
 * each of its prefixes (`ignite.deployment.container.metrics_update` → `ignite.deployment.container.*`,
 * `ignite.deployment.*`, `ignite.*`, `*`), so it costs in proportion to the type's depth and the
 * webhooks that match, never to the number of webhooks.
 *
 * It holds webhook ids only: fed from a WebhookView whose `select` is `subscriptionOf`, with
 * `update(id, previous, next)` on every change the view reports.
 */
export class SubscriptionIndex {
  private readonly projects = new Map<string, ProjectSubscriptions>();
  /** One string per distinct pattern, shared by every webhook that uses it. */
  private readonly patterns = new Map<string, string>();
  private webhooks = 0;
  private entries = 0;

  /** Webhooks that match at least one event type (the routed ones). */
  get size(): number {
    return this.webhooks;
  }

  /** (webhook, pattern) pairs held. */
  get subscriptions(): number {
    return this.entries;
  }

  /** What the index needs of a webhook's state (the WebhookView's `select`). */
  subscriptionOf(state: WebhookState): Subscription {
    return {
      version: state.version,
      project_id: state.project_id,
      events: isRouted(state)
        ? normaliseSubscriptions(state.events).map((p) => this.intern(p))
        : NOTHING,
    };
  }

  /** Replaces what the index holds for a webhook: `previous` as last given, `next` undefined = deleted. */
  update(id: string, previous: Subscription | undefined, next: Subscription | undefined): void {
    if (previous && previous.events.length > 0) this.unindex(id, previous);
    if (next && next.events.length > 0) this.index(id, next);
  }

  /** Ids of the webhooks of this project subscribed to this event type, each once. */
  match(projectId: string, eventType: string): string[] {
    const project = this.projects.get(projectId);
    if (!project) return [];
    const found: string[] = [];
    const collect = (ids: Set<string> | undefined) => {
      if (ids) for (const id of ids) found.push(id);
    };
    collect(project.exact.get(eventType));
    if (project.wildcard.size > 0) {
      collect(project.wildcard.get(''));
      for (let dot = eventType.indexOf('.'); dot !== -1; dot = eventType.indexOf('.', dot + 1)) {
        collect(project.wildcard.get(eventType.slice(0, dot + 1)));
      }
    }
    return found;
  }

  private index(id: string, subscription: Subscription) {
    let project = this.projects.get(subscription.project_id);
    if (!project) {
      project = { exact: new Map(), wildcard: new Map() };
      this.projects.set(subscription.project_id, project);
    }
    for (const pattern of subscription.events) {
      if (isWildcard(pattern)) add(project.wildcard, wildcardPrefix(pattern), id);
      else add(project.exact, pattern, id);
    }
    this.webhooks++;
    this.entries += subscription.events.length;
  }

  private unindex(id: string, subscription: Subscription) {
    const project = this.projects.get(subscription.project_id);
    if (!project) return;
    for (const pattern of subscription.events) {
      if (isWildcard(pattern)) remove(project.wildcard, wildcardPrefix(pattern), id);
      else remove(project.exact, pattern, id);
    }
    if (project.exact.size === 0 && project.wildcard.size === 0)
      this.projects.delete(subscription.project_id);
    this.webhooks--;
    this.entries -= subscription.events.length;
  }

  private intern(pattern: string): string {
    let shared = this.patterns.get(pattern);
    if (shared === undefined) this.patterns.set(pattern, (shared = pattern));
    return shared;
  }
}
