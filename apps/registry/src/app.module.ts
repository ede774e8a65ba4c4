import { Module, type DynamicModule } from '@nestjs/common';
import type { HooklineConfig } from '@hookline/config';
import { HealthModule } from './health/health.module';
import { InfraModule } from './infra/infra.module';

@Module({})
export class AppModule {
  static forRoot(config: HooklineConfig): DynamicModule {
    return { module: AppModule, imports: [InfraModule.forRoot(config), HealthModule] };
  }
}
