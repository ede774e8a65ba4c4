export * from './fixtures';
export * from './free-port';
export * from './loopback-receiver';
export * from './poll-until';
export * from './service-process';
export * from './test-stack';
export * from './topic-collector';
export * from './type-check';
