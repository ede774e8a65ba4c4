import { isWildcard, wildcardPrefix, type WebhookState } from '@hookline/contracts';

interface ProjectSubscriptions {
  exact: Map<string, Set<string>>;
  /** Wildcard prefix ('' for `*`, `ignite.deployment.` for `ignite.deployment.*`) → webhook ids. */
  wildcard: Map<string, Set<string>>;
}

interface Indexed {
  projectId: string;
  patterns: string[];
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
 * Active subscriptions by project and event type. Matching an event looks up its exact type and
 * each of its prefixes (`ignite.deployment.container.metrics_update` → `ignite.deployment.container.*`,
 * `ignite.deployment.*`, `ignite.*`, `*`), so it costs in proportion to the type's depth and the
 * webhooks that match, never to the number of webhooks.
 */
export class SubscriptionIndex {
  private readonly projects = new Map<string, ProjectSubscriptions>();
  private readonly indexed = new Map<string, Indexed>();

  /** Number of webhooks indexed (active ones). */
  get size(): number {
    return this.indexed.size;
  }

  /** Applies a webhook's new state (undefined = deleted). Only active webhooks are indexed. */
  apply(id: string, state: Pick<WebhookState, 'project_id' | 'events' | 'active'> | undefined): void {
    this.remove(id);
    if (!state || !state.active || state.events.length === 0) return;
    let project = this.projects.get(state.project_id);
    if (!project) this.projects.set(state.project_id, (project = { exact: new Map(), wildcard: new Map() }));
    for (const pattern of state.events) {
      if (isWildcard(pattern)) add(project.wildcard, wildcardPrefix(pattern), id);
      else add(project.exact, pattern, id);
    }
    this.indexed.set(id, { projectId: state.project_id, patterns: [...state.events] });
  }

  remove(id: string): void {
    const entry = this.indexed.get(id);
    if (!entry) return;
    const project = this.projects.get(entry.projectId);
    if (project) {
      for (const pattern of entry.patterns) {
        if (isWildcard(pattern)) remove(project.wildcard, wildcardPrefix(pattern), id);
        else remove(project.exact, pattern, id);
      }
      if (project.exact.size === 0 && project.wildcard.size === 0) this.projects.delete(entry.projectId);
    }
    this.indexed.delete(id);
  }

  /** Ids of the webhooks of this project subscribed to this event type, each once. */
  match(projectId: string, eventType: string): string[] {
    const project = this.projects.get(projectId);
    if (!project) return [];
    const exact = project.exact.get(eventType);
    if (project.wildcard.size === 0) return exact ? [...exact] : [];
    const found = new Set<string>(exact);
    const addAll = (ids: Set<string> | undefined) => ids?.forEach((id) => found.add(id));
    addAll(project.wildcard.get(''));
    for (let dot = eventType.indexOf('.'); dot !== -1; dot = eventType.indexOf('.', dot + 1)) {
      addAll(project.wildcard.get(eventType.slice(0, dot + 1)));
    }
    return [...found];
  }
}
