import { Module } from '@nestjs/common';
import { DeliveriesModule } from '../deliveries/deliveries.module';
import { RecoveriesController } from './recoveries.controller';
import { RecoveriesService } from './recoveries.service';
import { RecoveryRunner } from './recovery.runner';

/** Recover and bulk redeliver: recovery jobs, and the runner that works them in the background. */
@Module({
  imports: [DeliveriesModule],
  controllers: [RecoveriesController],
  providers: [RecoveriesService, RecoveryRunner],
})
export class RecoveriesModule {}
