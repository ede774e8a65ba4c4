export * from './errors';
export * from './hookline-client';
export type { PublishOptions } from './ingest-request';
export * from './page-iterator';
export * from './types';
