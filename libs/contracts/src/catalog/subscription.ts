/**
 * Subscriptions name exact event types or end in a wildcard: `ignite.deployment.*` matches every
 * type under `ignite.deployment.`, `*` matches everything.
 */
export function isWildcard(pattern: string): boolean {
  return pattern === '*' || pattern.endsWith('.*');
}

/** The prefix a wildcard stands for (`ignite.deployment.` for `ignite.deployment.*`, '' for `*`). */
export function wildcardPrefix(pattern: string): string {
  return pattern === '*' ? '' : pattern.slice(0, -1);
}

export function matchesSubscription(pattern: string, eventType: string): boolean {
  if (!isWildcard(pattern)) return pattern === eventType;
  return eventType.startsWith(wildcardPrefix(pattern));
}

/** A pattern is valid when it names a known type or its wildcard covers at least one. */
export function isKnownSubscription(pattern: string, knownTypes: readonly string[]): boolean {
  if (!isWildcard(pattern)) return knownTypes.includes(pattern);
  return knownTypes.some((t) => matchesSubscription(pattern, t));
}

/** Every valid subscription: each type, and each wildcard that covers at least one type. */
export function knownSubscriptions(knownTypes: readonly string[]): string[] {
  const wildcards = knownTypes.flatMap((type) =>
    type
      .split('.')
      .slice(0, -1)
      .map((_, i, parts) => `${parts.slice(0, i + 1).join('.')}.*`),
  );
  return [...new Set(['*', ...wildcards, ...knownTypes])].sort();
}
