import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type {
  DeliveryBatch,
  EncryptedSecret,
  EndpointVerification,
  PayloadFormat,
  SignatureScheme,
} from '@hookline/contracts';

/** Current state of each webhook: a projection of webhook_events, updated in the same transaction. */
@Entity({ name: 'webhooks' })
@Index(['projectId', 'id'])
export class WebhookEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ name: 'project_id', type: 'text' })
  projectId!: string;

  @Column({ type: 'text' })
  url!: string;

  @Column({ type: 'text', array: true })
  events!: string[];

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ type: 'boolean' })
  active!: boolean;

  @Column({ name: 'disabled_reason', type: 'text', nullable: true })
  disabledReason!: string | null;

  @Column({ name: 'signature_scheme', type: 'text' })
  signatureScheme!: SignatureScheme;

  /** The signature header's own name for a single-signature scheme; null: the scheme's. */
  @Column({ name: 'signature_header', type: 'text', nullable: true })
  signatureHeader!: string | null;

  @Column({ type: 'text', default: 'envelope' })
  format!: PayloadFormat;

  /** Events gathered into one POST; null: each event alone. */
  @Column({ type: 'jsonb', nullable: true })
  batch!: DeliveryBatch | null;

  /** Deliveries per second the endpoint receives at most; null: no limit. */
  @Column({ name: 'throttle_per_second', type: 'double precision', nullable: true })
  throttlePerSecond!: number | null;

  /** The webhook's own retry delays (ms); null: the operator's schedule. */
  @Column({ name: 'retry_schedule', type: 'jsonb', nullable: true })
  retrySchedule!: number[] | null;

  /** The webhook's own disable threshold; null: the operator's. */
  @Column({ name: 'disable_after_failed_deliveries', type: 'int', nullable: true })
  disableAfterFailedDeliveries!: number | null;

  /** Custom request headers sent on every attempt; null: none. */
  @Column({ type: 'jsonb', nullable: true })
  headers!: Record<string, string> | null;

  /** The handshake the endpoint must pass; until it does the webhook is inactive (pending_verification). */
  @Column({ type: 'jsonb', nullable: true })
  verification!: EndpointVerification | null;

  /** AES-256-GCM ciphertexts; the current secret first, then one still valid until its expiry. */
  @Column({ type: 'jsonb' })
  secrets!: EncryptedSecret[];

  /** Version of the last event applied; the optimistic-concurrency check compares it. */
  @Column({ type: 'int' })
  version!: number;

  /** Consecutive deliveries that ended failed; reset by a success. */
  @Column({ name: 'consecutive_failures', type: 'int', default: 0 })
  consecutiveFailures!: number;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'created_by', type: 'text', nullable: true })
  createdBy!: string | null;

  @Column({ name: 'updated_by', type: 'text', nullable: true })
  updatedBy!: string | null;
}
