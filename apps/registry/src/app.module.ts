import { Module, type DynamicModule } from '@nestjs/common';
import type { HooklineConfig } from '@hookline/config';
import { ApiKeysModule } from './api-keys/api-keys.module';
import { AuthModule } from './auth/auth.module';
import { DeliveriesModule } from './deliveries/deliveries.module';
import { EventTypesModule } from './event-types/event-types.module';
import { EventLogModule } from './event-log/event-log.module';
import { EventsModule } from './events/events.module';
import { GrpcModule } from './grpc/grpc.module';
import { HealthModule } from './health/health.module';
import { InfraModule } from './infra/infra.module';
import { LimitsModule } from './limits/limits.module';
import { NotificationsModule } from './notifications/notifications.module';
import { OpenApiModule } from './openapi/openapi.module';
import { OutboxModule } from './outbox/outbox.module';
import { PortalSessionsModule } from './portal-sessions/portal-sessions.module';
import { ProjectsModule } from './projects/projects.module';
import { RecoveriesModule } from './recoveries/recoveries.module';
import { StatsModule } from './stats/stats.module';
import { WebhooksModule } from './webhooks/webhooks.module';

@Module({})
export class AppModule {
  static forRoot(config: HooklineConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        InfraModule.forRoot(config),
        AuthModule,
        LimitsModule,
        OutboxModule,
        HealthModule,
        OpenApiModule,
        ProjectsModule,
        ApiKeysModule,
        WebhooksModule,
        EventTypesModule,
        EventsModule,
        DeliveriesModule,
        RecoveriesModule,
        EventLogModule,
        PortalSessionsModule,
        StatsModule,
        NotificationsModule,
        GrpcModule,
      ],
    };
  }
}
