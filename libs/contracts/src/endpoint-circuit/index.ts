export * from './endpoint-circuit';
