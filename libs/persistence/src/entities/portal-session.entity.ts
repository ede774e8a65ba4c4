import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A portal link: a short-lived bearer token scoped to one project, optionally read-only, that
 * opens the console (embedded in a platform's own product). Only a hash of the token is stored.
 */
@Entity({ name: 'portal_sessions' })
export class PortalSessionEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Index()
  @Column({ name: 'project_id', type: 'text' })
  projectId!: string;

  /** SHA-256 of the whole token, hex (256 random bits, so a fast hash is enough). */
  @Index({ unique: true })
  @Column({ name: 'token_hash', type: 'text' })
  tokenHash!: string;

  @Column({ name: 'read_only', type: 'boolean' })
  readOnly!: boolean;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  /** The API key that minted it, or `admin`. */
  @Column({ name: 'created_by', type: 'text', nullable: true })
  createdBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}
