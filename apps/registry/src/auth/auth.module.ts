import { Global, Module } from '@nestjs/common';
import { PortalSessionsService } from '../portal-sessions/portal-sessions.service';
import { ApiKeyCache } from './api-key.cache';
import { AdminTokenGuard, ApiKeyGuard } from './auth.guards';
import { AuthFailureLimiter } from './auth-failure.limiter';

const GUARDS = [
  ApiKeyGuard,
  AdminTokenGuard,
  PortalSessionsService,
  ApiKeyCache,
  AuthFailureLimiter,
];

@Global()
@Module({ providers: GUARDS, exports: GUARDS })
export class AuthModule {}
