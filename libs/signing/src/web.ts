// The part of the SDK that needs only Web Crypto (edge runtimes, browsers, Deno, Bun, Node ≥ 20).
export * from './errors';
export * from './schemes';
export * from './envelope';
export * from './event-types.generated';
export {
  verify,
  constructEvent,
  detectScheme,
  timingSafeEqual,
  type HeaderBag,
  type RawBody,
  type VerifyOptions,
} from './verify';
