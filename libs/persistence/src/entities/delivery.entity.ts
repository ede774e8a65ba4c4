import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { DeliveryStatus } from '@hookline/contracts';

/** One event for one webhook: the row the delivery log lists. */
@Entity({ name: 'deliveries' })
@Index(['webhookId', 'createdAt'])
export class DeliveryEntity {
  /** msg_…, the same `webhook-id` on every attempt. */
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ name: 'webhook_id', type: 'text' })
  webhookId!: string;

  @Column({ name: 'project_id', type: 'text' })
  projectId!: string;

  @Column({ name: 'event_id', type: 'text' })
  eventId!: string;

  @Column({ name: 'event_type', type: 'text' })
  eventType!: string;

  @Column({ type: 'text' })
  status!: DeliveryStatus;

  @Column({ type: 'int', default: 0 })
  attempts!: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt!: Date | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  /** The chain of attempts the status belongs to (see DeliveryTask `chain`). */
  @Column({ type: 'bigint', default: 0 })
  chain!: string;

  /**
   * The event envelope, so a delivery can be redelivered long after the topic dropped it. Null in
   * the table when the event's record (published_events) holds it, as it does for every delivery
   * of an event that matched webhooks; the log's readers fill it from there.
   */
  @Column({ type: 'jsonb', nullable: true })
  event!: Record<string, unknown>;

  /**
   * When the delivery was born (its event's time on hookline.events, carried by every task of
   * the delivery): the partition key, part of the primary key with the id.
   */
  @PrimaryColumn({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
