import { Module } from '@nestjs/common';
import { StatsController } from './stats.controller';
import { StatsService } from './stats.service';

/** Delivery statistics for charts. */
@Module({ controllers: [StatsController], providers: [StatsService] })
export class StatsModule {}
