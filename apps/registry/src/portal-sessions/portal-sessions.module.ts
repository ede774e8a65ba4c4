import { Module } from '@nestjs/common';
import { PortalSessionsController } from './portal-sessions.controller';
import { ProjectOrAdminGuard } from './project-or-admin.guard';

/** Portal links; their service lives in the global AuthModule, which checks their tokens. */
@Module({ controllers: [PortalSessionsController], providers: [ProjectOrAdminGuard] })
export class PortalSessionsModule {}
