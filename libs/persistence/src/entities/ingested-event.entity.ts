import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Ids of events accepted by POST /v1/events, kept 24 h to make the ingest idempotent. */
@Entity({ name: 'ingested_events' })
export class IngestedEventEntity {
  @PrimaryColumn({ name: 'project_id', type: 'text' })
  projectId!: string;

  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  event!: string;

  @Index()
  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt!: Date;
}
