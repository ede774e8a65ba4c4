import { SetMetadata } from '@nestjs/common';

/** Which of the project's buckets a route draws from: `api` unless the route says otherwise. */
export type RateBucketName = 'api' | 'ingest';
/** Actions limited per minute on top of the project's rate (see ProjectLimits). */
export type ActionLimitName = 'test_ping' | 'redeliver';

export const RATE_BUCKET = Symbol('hookline:rate-bucket');
export const ACTION_LIMIT = Symbol('hookline:action-limit');

/** Draws the route's requests from another bucket of the project (ingest has its own, higher). */
export const RateBucket = (bucket: RateBucketName) => SetMetadata(RATE_BUCKET, bucket);

/**
 * Counts each successful call of the route against the action's per-minute limit (a call that
 * fails gives its token back). A `test_ping` is counted per webhook (the `{id}` path parameter),
 * a `redeliver` per project.
 */
export const ActionLimit = (action: ActionLimitName) => SetMetadata(ACTION_LIMIT, action);
