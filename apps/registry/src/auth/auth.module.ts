import { Global, Module } from '@nestjs/common';
import { PortalSessionsService } from '../portal-sessions/portal-sessions.service';
import { AdminTokenGuard, ApiKeyGuard } from './auth.guards';

const GUARDS = [ApiKeyGuard, AdminTokenGuard, PortalSessionsService];

@Global()
@Module({ providers: GUARDS, exports: GUARDS })
export class AuthModule {}
