import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { ProjectLimits } from './project-limits';
import { ProjectRateLimitInterceptor } from './project-rate-limit.interceptor';

/** Per-project limits on every route, registered globally (see ProjectRateLimitInterceptor). */
@Module({
  providers: [ProjectLimits, { provide: APP_INTERCEPTOR, useClass: ProjectRateLimitInterceptor }],
  exports: [ProjectLimits],
})
export class LimitsModule {}
