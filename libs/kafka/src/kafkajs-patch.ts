const patched = new Set<string>();

/**
 * Applies `patch` to one of kafkajs's internal modules (by its path in the package), once per
 * process and `name` (the path, unless one module takes several patches): the patches change
 * classes every client shares, as kafkajs's codecs are shared. Callers are idempotent, so
 * `createKafka` can apply them all whenever a client is made.
 */
export function patchKafkajsModule<T>(
  path: string,
  patch: (module: T) => void,
  name: string = path,
): void {
  if (patched.has(name)) return;
  patched.add(name);
  patch(require(path) as T);
}
