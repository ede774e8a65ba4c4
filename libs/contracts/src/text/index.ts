export * from './portable-text';
