const patched = new Set<string>();

/**
 * Applies `patch` to one of kafkajs's internal modules (by its path in the package), once per
 * process: the patches change classes every client shares, as kafkajs's codecs are shared.
 * Callers are idempotent, so `createKafka` can apply them all whenever a client is made.
 */
export function patchKafkajsModule<T>(path: string, patch: (module: T) => void): void {
  if (patched.has(path)) return;
  patched.add(path);
  patch(require(path) as T);
}
