import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { type HooklineConfig } from '@hookline/config';
import { kafkaFromConfig } from '@hookline/kafka';
import { dataSourceOptions } from '@hookline/persistence';
import { createLogger, createMetricsRegistry } from '@hookline/telemetry';
import { CONFIG, KAFKA, LOGGER, METRICS } from './tokens';

/** Configuration, Postgres, Kafka, logger and metrics, shared by every module of the registry. */
@Global()
@Module({})
export class InfraModule {
  static forRoot(config: HooklineConfig) {
    return {
      module: InfraModule,
      imports: [
        TypeOrmModule.forRoot({
          ...dataSourceOptions({
            url: config.DATABASE_URL,
            poolSize: 20,
            applicationName: 'hookline-registry',
          }),
        }),
      ],
      providers: [
        { provide: CONFIG, useValue: config },
        {
          provide: KAFKA,
          useFactory: () => kafkaFromConfig(config, 'hookline-registry'),
        },
        { provide: METRICS, useFactory: () => createMetricsRegistry('registry') },
        { provide: LOGGER, useFactory: () => createLogger('registry', config.HOOKLINE_LOG_LEVEL) },
      ],
      exports: [CONFIG, KAFKA, METRICS, LOGGER],
    };
  }
}
