/** Nest injection tokens for the registry's infrastructure. */
export const CONFIG = Symbol('HooklineConfig');
export const KAFKA = Symbol('Kafka');
export const METRICS = Symbol('MetricsRegistry');
export const LOGGER = Symbol('Logger');
