import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Admin, Kafka } from 'kafkajs';
import { withDeadline } from '@hookline/kafka';
import { GrpcHealth } from '../grpc/grpc-health';
import { KAFKA } from '../infra/tokens';

@Injectable()
export class HealthService implements OnModuleDestroy {
  private admin?: Admin;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(KAFKA) private readonly kafka: Kafka,
    private readonly grpc: GrpcHealth,
  ) {}

  async readiness(): Promise<Record<string, boolean>> {
    const [postgres, kafka] = await Promise.all([this.postgresReady(), this.kafkaReady()]);
    return { postgres, kafka, ...this.grpc.readiness() };
  }

  private async postgresReady(): Promise<boolean> {
    try {
      await this.dataSource.query('select 1');
      return true;
    } catch {
      return false;
    }
  }

  private async kafkaReady(): Promise<boolean> {
    try {
      this.admin ??= this.kafka.admin();
      await this.admin.connect();
      await withDeadline(
        this.admin.describeCluster(),
        2000,
        () => new Error('Kafka did not answer within 2 s'),
      );
      return true;
    } catch {
      await this.admin?.disconnect().catch(() => undefined);
      this.admin = undefined;
      return false;
    }
  }

  async onModuleDestroy() {
    await this.admin?.disconnect().catch(() => undefined);
  }
}
