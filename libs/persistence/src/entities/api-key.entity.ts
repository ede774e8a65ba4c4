import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import type { ApiKeyScope } from '@hookline/contracts';

/** A project's API key. Only a hash of the secret is stored; the key is shown once. */
@Entity({ name: 'api_keys' })
export class ApiKeyEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Index()
  @Column({ name: 'project_id', type: 'text' })
  projectId!: string;

  @Column({ type: 'text', nullable: true })
  name!: string | null;

  /** The first characters of the key, to tell keys apart in a list. */
  @Column({ name: 'key_prefix', type: 'text' })
  keyPrefix!: string;

  /** SHA-256 of the whole key, hex. Keys are 256-bit random, so a fast hash is enough. */
  @Index({ unique: true })
  @Column({ name: 'key_hash', type: 'text' })
  keyHash!: string;

  @Column({ name: 'created_by', type: 'text', nullable: true })
  createdBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'text', default: 'full' })
  scope!: ApiKeyScope;

  /** Refused from this instant on; null: never expires. */
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}
