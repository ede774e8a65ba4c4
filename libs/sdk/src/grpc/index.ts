// The gRPC client has an entry of its own (@hookline/sdk/grpc): @grpc/grpc-js is for Node, and
// the console's browser bundle imports @hookline/sdk.
export * from './hookline-grpc.client';
export * from './hookline-grpc.error';
export type { GrpcTransportOptions } from './grpc-transport';
