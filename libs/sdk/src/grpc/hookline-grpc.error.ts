import type { ServiceError, status } from '@grpc/grpc-js';
import type { ApiErrorDetail } from '../errors';

/**
 * A gRPC call that ended with a status other than OK. `status` is the gRPC code
 * (INVALID_ARGUMENT, UNAUTHENTICATED, NOT_FOUND, …); `code` and `details` are the HTTP API's error
 * code and the bad fields, as the registry sends them in trailing metadata.
 */
export class HooklineGrpcError extends Error {
  constructor(
    readonly status: status,
    message: string,
    readonly code: string | undefined,
    readonly details: ApiErrorDetail[],
  ) {
    super(message);
    this.name = 'HooklineGrpcError';
  }

  static from(error: ServiceError): HooklineGrpcError {
    const code = error.metadata?.get('hookline-error-code')[0];
    const raw = error.metadata?.get('hookline-error-details-bin')[0];
    let details: ApiErrorDetail[] = [];
    try {
      if (Buffer.isBuffer(raw)) details = JSON.parse(raw.toString('utf8')) as ApiErrorDetail[];
    } catch {
      /* no details from a server that sent none */
    }
    return new HooklineGrpcError(
      error.code,
      error.details || error.message,
      typeof code === 'string' ? code : undefined,
      details,
    );
  }
}
