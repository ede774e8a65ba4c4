export * from './free-port';
export * from './poll-until';
export * from './test-stack';
