import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { ProjectLimits } from './project-limits';
import { ProjectRateLimitInterceptor } from './project-rate-limit.interceptor';

/**
 * Per-project limits on every HTTP route, registered globally (see ProjectRateLimitInterceptor);
 * the gRPC controllers name the interceptor themselves. Global: one set of buckets for both.
 */
@Global()
@Module({
  providers: [
    ProjectLimits,
    ProjectRateLimitInterceptor,
    { provide: APP_INTERCEPTOR, useExisting: ProjectRateLimitInterceptor },
  ],
  exports: [ProjectLimits, ProjectRateLimitInterceptor],
})
export class LimitsModule {}
