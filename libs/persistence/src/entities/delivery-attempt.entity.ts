import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import type { AttemptErrorClass, AttemptTrigger } from '@hookline/contracts';

@Entity({ name: 'delivery_attempts' })
@Index(['deliveryId', 'attempt'])
export class DeliveryAttemptEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'delivery_id', type: 'text' })
  deliveryId!: string;

  @Column({ name: 'webhook_id', type: 'text' })
  webhookId!: string;

  @Column({ type: 'int' })
  attempt!: number;

  @Column({ type: 'text', default: 'automatic' })
  trigger!: AttemptTrigger;

  @Column({ type: 'text' })
  url!: string;

  @Column({ name: 'request_headers', type: 'jsonb' })
  requestHeaders!: Record<string, string>;

  @Column({ name: 'response_status', type: 'int', nullable: true })
  responseStatus!: number | null;

  /** First 4 KiB of the response body. */
  @Column({ name: 'response_body', type: 'text', nullable: true })
  responseBody!: string | null;

  @Column({ name: 'duration_ms', type: 'int' })
  durationMs!: number;

  @Column({ name: 'error_class', type: 'text', nullable: true })
  errorClass!: AttemptErrorClass | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  /** Its delivery's created_at: the partition key, so a delivery and its attempts share a day. */
  @PrimaryColumn({ name: 'delivery_created_at', type: 'timestamptz' })
  deliveryCreatedAt!: Date;
}
