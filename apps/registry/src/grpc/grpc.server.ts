import type { INestApplication } from '@nestjs/common';
import { Transport, type GrpcOptions } from '@nestjs/microservices';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import type { Server } from '@grpc/grpc-js';
import type { HooklineConfig } from '@hookline/config';
import { HOOKLINE_GRPC_PACKAGE, HOOKLINE_PROTO_FILES, hooklineProtoDir } from '@hookline/contracts';
import { GrpcHealth } from './grpc-health';

/** The largest message a call may send: the HTTP API's body limit (MAX_BODY). */
const MAX_MESSAGE_BYTES = 256 * 1024;

/**
 * The one place the registry's gRPC server is built: a Nest microservice (@grpc/grpc-js) beside
 * the HTTP API, serving the hookline.v1 services (controllers in this folder, errors by GrpcStatusFilter), grpc.health.v1 and
 * server reflection, on HOOKLINE_GRPC_HOST:HOOKLINE_GRPC_PORT. Does nothing when the port is 0.
 * It binds in startGrpcServer.
 */
export function connectGrpcServer(app: INestApplication, config: HooklineConfig): void {
  if (config.HOOKLINE_GRPC_PORT === 0) return;
  const health = app.get(GrpcHealth);
  const options: GrpcOptions['options'] = {
    url: `${config.HOOKLINE_GRPC_HOST ?? config.HOOKLINE_API_HOST}:${config.HOOKLINE_GRPC_PORT}`,
    package: HOOKLINE_GRPC_PACKAGE,
    // Absent fields stay absent (no proto3 defaults), so the request schemas see what the client
    // sent, as they see a JSON body: a missing `url` is "required", not "".
    packageDefinition: loadSync([...HOOKLINE_PROTO_FILES], {
      includeDirs: [hooklineProtoDir()],
      keepCase: true,
      defaults: false,
      oneofs: false,
    }),
    maxReceiveMessageLength: MAX_MESSAGE_BYTES,
    gracefulShutdown: true,
    onLoadPackageDefinition: (definition, server: Server) => {
      new ReflectionService(definition).addToServer(server);
      health.implementation.addToServer(server);
    },
  };
  app.connectMicroservice<GrpcOptions>({ transport: Transport.GRPC, options });
}

/** Binds the gRPC server (when connected) and reports it SERVING; a port in use fails the start. */
export async function startGrpcServer(
  app: INestApplication,
  config: HooklineConfig,
): Promise<void> {
  if (config.HOOKLINE_GRPC_PORT === 0) return;
  const health = app.get(GrpcHealth);
  try {
    await app.startAllMicroservices();
  } catch (e) {
    health.set(false);
    throw e;
  }
  health.set(true);
}
