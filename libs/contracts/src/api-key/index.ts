export * from './api-key-scope';
