import {
  Catch,
  Inject,
  Injectable,
  type ArgumentsHost,
  type RpcExceptionFilter,
} from '@nestjs/common';
import { Metadata, status, type ServerErrorResponse } from '@grpc/grpc-js';
import { throwError, type Observable } from 'rxjs';
import type { Logger } from '@hookline/telemetry';
import { ApiExceptionFilter } from '../common/api-exception.filter';
import { LOGGER } from '../infra/tokens';

/** Metadata of a failed call: the HTTP API's error code and its `details[]` as JSON. */
export const ERROR_CODE_METADATA = 'hookline-error-code';
export const ERROR_DETAILS_METADATA = 'hookline-error-details-bin';

/**
 * The gRPC status for each HTTP status the services' ApiErrors carry. A 409 is a state that
 * refuses the call (a deleted webhook, a concurrent change): FAILED_PRECONDITION.
 */
const GRPC_STATUS: Record<number, status> = {
  400: status.INVALID_ARGUMENT,
  401: status.UNAUTHENTICATED,
  403: status.PERMISSION_DENIED,
  404: status.NOT_FOUND,
  409: status.FAILED_PRECONDITION,
  413: status.RESOURCE_EXHAUSTED,
  415: status.INVALID_ARGUMENT,
  429: status.RESOURCE_EXHAUSTED,
  503: status.UNAVAILABLE,
};

/**
 * Every error of a gRPC call, as the HTTP API would answer it (the same ApiError, so bad input is
 * never INTERNAL), turned into a gRPC status whose message names the bad fields; the fields
 * themselves travel in ERROR_DETAILS_METADATA. Set on each gRPC controller (@UseFilters): a
 * hybrid app's microservice takes no global filters of its own.
 */
@Catch()
@Injectable()
export class GrpcStatusFilter implements RpcExceptionFilter {
  private readonly errors: ApiExceptionFilter;

  constructor(@Inject(LOGGER) private readonly log: Logger) {
    this.errors = new ApiExceptionFilter(log);
  }

  catch(exception: unknown, host: ArgumentsHost): Observable<never> {
    const error = this.errors.toApiError(exception);
    const code = GRPC_STATUS[error.status] ?? status.INTERNAL;
    if (code === status.INTERNAL) {
      const [, , call] = host.getArgs<[unknown, unknown, { getPath?: () => string }]>();
      this.log.error({ err: exception, method: call?.getPath?.() }, 'gRPC call failed');
    }
    const metadata = new Metadata();
    metadata.set(ERROR_CODE_METADATA, error.code);
    metadata.set(ERROR_DETAILS_METADATA, Buffer.from(JSON.stringify(error.details)));
    const response: Partial<ServerErrorResponse> = {
      code,
      details: error.message,
      metadata,
    };
    return throwError(() => response);
  }
}
