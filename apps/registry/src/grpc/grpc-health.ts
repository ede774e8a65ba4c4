import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { HealthImplementation, type ServingStatus } from 'grpc-health-check';
import { HOOKLINE_GRPC_SERVICES } from '@hookline/contracts';

/** `''` is the whole server, as grpc.health.v1 clients ask by default. */
const SERVICES = ['', ...Object.values(HOOKLINE_GRPC_SERVICES)];

/**
 * Whether the gRPC server serves: answered to grpc.health.v1 clients (Check and Watch) and shown
 * in /readyz. NOT_SERVING until the server has bound its port, and again from the start of a
 * shutdown, so that a balancer stops sending calls before the server closes.
 */
@Injectable()
export class GrpcHealth implements BeforeApplicationShutdown {
  readonly implementation = new HealthImplementation(
    Object.fromEntries(SERVICES.map((s) => [s, 'NOT_SERVING' as ServingStatus])),
  );
  /** undefined while no gRPC server was started (HOOKLINE_GRPC_PORT=0, or an HTTP-only test). */
  private serving?: boolean;

  /** The check /readyz shows, when a server was started. */
  readiness(): { grpc: boolean } | Record<string, never> {
    return this.serving === undefined ? {} : { grpc: this.serving };
  }

  set(serving: boolean): void {
    this.serving = serving;
    for (const service of SERVICES)
      this.implementation.setStatus(service, serving ? 'SERVING' : 'NOT_SERVING');
  }

  beforeApplicationShutdown(): void {
    if (this.serving !== undefined) this.set(false);
  }
}
