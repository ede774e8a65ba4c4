import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import type { HooklineConfig } from '@hookline/config';
import { AppModule } from './app.module';

/** Builds the registry's Nest application (used by main.ts and by the tests). */
export async function createRegistryApp(config: HooklineConfig): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule.forRoot(config), { logger: ['error', 'warn'], bufferLogs: false });
  app.enableShutdownHooks();
  return app;
}
