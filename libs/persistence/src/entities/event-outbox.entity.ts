import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * The transactional outbox of a producer that keeps its state in Postgres: a row is inserted in
 * the same transaction as the domain change, and a relay publishes committed rows to
 * `hookline.events` in `seq` order, then sets `published_at`.
 */
@Entity({ name: 'event_outbox' })
export class EventOutboxEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  seq!: string;

  /** evt_…; unique, so adding the same event twice in one transaction stores it once. */
  @Column({ name: 'event_id', type: 'text', unique: true })
  eventId!: string;

  @Column({ name: 'project_id', type: 'text' })
  projectId!: string;

  @Column({ name: 'event_type', type: 'text' })
  eventType!: string;

  /** The validated event envelope, as it will be published. */
  @Column({ type: 'jsonb' })
  envelope!: Record<string, unknown>;

  /** Kafka headers captured when the event was added (the trace context of that transaction). */
  @Column({ type: 'jsonb', default: () => `'{}'::jsonb` })
  headers!: Record<string, string>;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt!: Date | null;
}
