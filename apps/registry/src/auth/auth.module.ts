import { Global, Module } from '@nestjs/common';
import { AdminTokenGuard, ApiKeyGuard } from './auth.guards';

@Global()
@Module({ providers: [ApiKeyGuard, AdminTokenGuard], exports: [ApiKeyGuard, AdminTokenGuard] })
export class AuthModule {}
