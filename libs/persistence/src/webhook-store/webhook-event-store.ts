import { newId, type EncryptedSecret, type SignatureScheme } from '@hookline/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import { WebhookEntity } from '../entities/webhook.entity';
import type { SecretBox } from '../secret-box';
import { toWebhookState } from './webhook-state.mapper';

export type WebhookEventType =
  | 'webhook.created'
  | 'webhook.updated'
  | 'webhook.secret_rotated'
  | 'webhook.deleted'
  | 'webhook.disabled'
  | 'webhook.enabled';

/** Channel NOTIFYed in the same transaction as each append; the outbox relay LISTENs on it. */
export const WEBHOOK_EVENTS_CHANNEL = 'hookline_webhook_events';

export class WebhookNotFoundError extends Error {
  constructor(readonly webhookId: string) {
    super(`webhook ${webhookId} not found`);
    this.name = 'WebhookNotFoundError';
  }
}

/** Another writer changed the webhook between read and write. */
export class ConcurrencyError extends Error {
  constructor(readonly webhookId: string) {
    super(`webhook ${webhookId} was changed concurrently`);
    this.name = 'ConcurrencyError';
  }
}

export interface CreateWebhookInput {
  projectId: string;
  url: string;
  events: string[];
  description: string | null;
  active: boolean;
  signatureScheme: SignatureScheme;
  /** Plaintext; stored encrypted. */
  secret: string;
}

export interface WebhookPatch {
  url?: string;
  events?: string[];
  description?: string | null;
  active?: boolean;
}

interface Decision {
  type: WebhookEventType;
  change: Record<string, unknown>;
  /** The new projection row, or null to delete it. Undefined: nothing to change. */
  next: WebhookEntity | null | undefined;
}

const MAX_ATTEMPTS = 5;

/**
 * The webhook aggregate, event-sourced: each change appends a row to webhook_events (the event
 * store and the outbox) and updates the webhooks projection in the same transaction. Optimistic
 * concurrency: the projection's version is compared on write and the unique (aggregate_id,
 * version) index refuses a second event with the same version; a losing writer re-reads and
 * re-applies its change (up to a few times), so concurrent PATCHes never lose one.
 */
export class WebhookEventStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly box: SecretBox,
  ) {}

  async create(input: CreateWebhookInput, actor: string | null): Promise<WebhookEntity> {
    return this.dataSource.transaction(async (manager) => {
      const now = new Date();
      const id = newId('webhook');
      const row = manager.getRepository(WebhookEntity).create({
        id,
        projectId: input.projectId,
        url: input.url,
        events: input.events,
        description: input.description,
        active: input.active,
        disabledReason: input.active ? null : 'manual',
        signatureScheme: input.signatureScheme,
        secrets: [{ ciphertext: this.box.encrypt(id, input.secret), expires_at: null }],
        version: 1,
        consecutiveFailures: 0,
        createdAt: now,
        updatedAt: now,
        createdBy: actor,
        updatedBy: actor,
      });
      await manager.getRepository(WebhookEntity).insert(row);
      await this.append(manager, row, 'webhook.created', actor, {
        url: row.url,
        events: row.events,
        description: row.description,
        active: row.active,
        signature_scheme: row.signatureScheme,
      });
      return row;
    });
  }

  update(id: string, projectId: string | undefined, patch: WebhookPatch, actor: string | null): Promise<WebhookEntity> {
    return this.mutate(id, projectId, actor, (current) => {
      const next = { ...current } as WebhookEntity;
      const change: Record<string, unknown> = {};
      if (patch.url !== undefined && patch.url !== current.url) next.url = change.url = patch.url;
      if (patch.events !== undefined) next.events = change.events = patch.events;
      if (patch.description !== undefined) next.description = change.description = patch.description;
      let type: WebhookEventType = 'webhook.updated';
      if (patch.active !== undefined && patch.active !== current.active) {
        next.active = change.active = patch.active;
        next.disabledReason = patch.active ? null : 'manual';
        if (patch.active) next.consecutiveFailures = 0;
        change.disabled_reason = next.disabledReason;
        if (Object.keys(change).length === 2) type = patch.active ? 'webhook.enabled' : 'webhook.disabled';
      }
      if (Object.keys(change).length === 0) return { type, change, next: undefined };
      return { type, change, next };
    });
  }

  /** A new secret; the old one keeps signing until `transitionHours` from now (0: at once). */
  rotateSecret(id: string, projectId: string | undefined, secret: string, transitionHours: number, actor: string | null) {
    return this.mutate(id, projectId, actor, (current) => {
      const now = Date.now();
      const expiresAt = transitionHours > 0 ? new Date(now + transitionHours * 3_600_000).toISOString() : null;
      const previous = current.secrets[0]!;
      const secrets: EncryptedSecret[] = [{ ciphertext: this.box.encrypt(id, secret), expires_at: null }];
      if (expiresAt) secrets.push({ ciphertext: previous.ciphertext, expires_at: expiresAt });
      return {
        type: 'webhook.secret_rotated',
        change: { old_secret_expires_at: expiresAt },
        next: { ...current, secrets } as WebhookEntity,
      };
    });
  }

  async delete(id: string, projectId: string | undefined, actor: string | null): Promise<void> {
    await this.mutate(id, projectId, actor, () => ({ type: 'webhook.deleted', change: {}, next: null }));
  }

  /** Disables a webhook (the dispatcher's disable rule, 410 Gone); a no-op when already inactive. */
  disable(id: string, reason: string, actor: string | null) {
    return this.mutate(id, undefined, actor, (current) =>
      current.active
        ? { type: 'webhook.disabled', change: { active: false, disabled_reason: reason }, next: { ...current, active: false, disabledReason: reason } as WebhookEntity }
        : { type: 'webhook.disabled', change: {}, next: undefined },
    );
  }

  enable(id: string, actor: string | null) {
    return this.update(id, undefined, { active: true }, actor);
  }

  /**
   * Counts consecutive failed deliveries and disables the webhook when `disableAfter` is reached
   * (0: never). A success resets the count. Answers whether this call disabled the webhook.
   */
  async recordDeliveryOutcome(id: string, succeeded: boolean, disableAfter: number, actor: string | null): Promise<boolean> {
    if (succeeded) {
      await this.dataSource.query('update webhooks set consecutive_failures = 0 where id = $1 and consecutive_failures <> 0', [id]);
      return false;
    }
    const rows: { consecutive_failures: number; active: boolean }[] = await this.dataSource.query(
      'update webhooks set consecutive_failures = consecutive_failures + 1 where id = $1 returning consecutive_failures, active',
      [id],
    );
    const row = rows[0];
    if (!row || !row.active || disableAfter === 0 || row.consecutive_failures < disableAfter) return false;
    const reason = `${row.consecutive_failures} consecutive failed deliver${row.consecutive_failures === 1 ? 'y' : 'ies'}`;
    const before = await this.dataSource.getRepository(WebhookEntity).findOneBy({ id });
    if (!before?.active) return false;
    await this.disable(id, reason, actor);
    return true;
  }

  private async mutate(
    id: string,
    projectId: string | undefined,
    actor: string | null,
    decide: (current: WebhookEntity) => Decision,
  ): Promise<WebhookEntity> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction(async (manager) => {
          const repo = manager.getRepository(WebhookEntity);
          const current = await repo.findOneBy(projectId ? { id, projectId } : { id });
          if (!current) throw new WebhookNotFoundError(id);
          const { type, change, next } = decide(current);
          if (next === undefined) return current;
          if (next === null) {
            const res = await repo.delete({ id, version: current.version });
            if (!res.affected) throw new ConcurrencyError(id);
            await this.append(manager, { ...current, version: current.version + 1 } as WebhookEntity, type, actor, change, true);
            return current;
          }
          const updated = { ...next, version: current.version + 1, updatedAt: new Date(), updatedBy: actor } as WebhookEntity;
          const res = await repo.update(
            { id, version: current.version },
            {
              url: updated.url,
              events: updated.events,
              description: updated.description,
              active: updated.active,
              disabledReason: updated.disabledReason,
              secrets: updated.secrets,
              consecutiveFailures: updated.consecutiveFailures,
              version: updated.version,
              updatedAt: updated.updatedAt,
              updatedBy: updated.updatedBy,
            },
          );
          if (!res.affected) throw new ConcurrencyError(id);
          await this.append(manager, updated, type, actor, change);
          return updated;
        });
      } catch (e) {
        const conflict = e instanceof ConcurrencyError || (e as { code?: string }).code === '23505';
        if (!conflict) throw e;
        if (attempt >= MAX_ATTEMPTS) throw new ConcurrencyError(id);
      }
    }
  }

  private async append(
    manager: EntityManager,
    row: WebhookEntity,
    type: WebhookEventType,
    actor: string | null,
    change: Record<string, unknown>,
    tombstone = false,
  ): Promise<void> {
    await manager.query(
      `insert into webhook_events (aggregate_id, project_id, version, type, actor, change, state)
       values ($1, $2, $3, $4, $5, $6, $7)`,
      [row.id, row.projectId, row.version, type, actor, JSON.stringify(change), tombstone ? null : JSON.stringify(toWebhookState(row))],
    );
    await manager.query(`select pg_notify('${WEBHOOK_EVENTS_CHANNEL}', $1)`, [row.id]);
  }
}
