import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * The event store of webhooks, and the outbox: each committed row is published, in `seq` order,
 * to the changelog topic by the relay, which then sets `published_at`.
 */
@Entity({ name: 'webhook_events' })
@Index(['aggregateId', 'version'], { unique: true })
export class WebhookEventEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  seq!: string;

  @Column({ name: 'aggregate_id', type: 'text' })
  aggregateId!: string;

  @Column({ name: 'project_id', type: 'text' })
  projectId!: string;

  @Column({ type: 'int' })
  version!: number;

  /** webhook.created, .updated, .secret_rotated, .secrets_resealed, .deleted, .disabled, .enabled */
  @Column({ type: 'text' })
  type!: string;

  /** API key id, or `system:<service>` for changes the platform made (e.g. disabling). */
  @Column({ type: 'text', nullable: true })
  actor!: string | null;

  @Column({ name: 'occurred_at', type: 'timestamptz', default: () => 'now()' })
  occurredAt!: Date;

  /** The change itself (fields set), for the audit trail. */
  @Column({ type: 'jsonb' })
  change!: Record<string, unknown>;

  /** Full state after the change (secrets encrypted), or null for a delete: what the changelog carries. */
  @Column({ type: 'jsonb', nullable: true })
  state!: Record<string, unknown> | null;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt!: Date | null;
}
