export * from './errors';
export * from './hookline-client';
export * from './page-iterator';
export * from './types';
