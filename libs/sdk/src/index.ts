export * from './errors';
export * from './hookline-client';
export * from './types';
