export * from './changelog-reader';
export * from './kafka-client';
export * from './compression-codecs';
export * from './topic-admin';
export * from './trace-headers';
export * from './webhook-view';
export * from './key-partitioner';
export * from './deadline';
