import {
  PENDING_VERIFICATION,
  WebhookStateSchema,
  newId,
  type DeliveryBatch,
  type EncryptedSecret,
  type EndpointVerification,
  type PayloadFormat,
  type SignatureScheme,
} from '@hookline/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import { WebhookEntity } from '../entities/webhook.entity';
import type { SecretBox } from '../secret-box';
import { toWebhookState } from './webhook-state.mapper';

export type WebhookEventType =
  | 'webhook.created'
  | 'webhook.updated'
  | 'webhook.secret_rotated'
  | 'webhook.secrets_resealed'
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

/** The caller's expected version is not the current one: re-applying would overwrite unseen changes. */
class StaleVersionError extends Error {}

export interface CreateWebhookInput {
  projectId: string;
  url: string;
  events: string[];
  description: string | null;
  active: boolean;
  signatureScheme: SignatureScheme;
  signatureHeader?: string | null;
  format?: PayloadFormat;
  batch?: DeliveryBatch | null;
  throttlePerSecond?: number | null;
  retrySchedule?: number[] | null;
  disableAfterFailedDeliveries?: number | null;
  headers?: Record<string, string> | null;
  /** When set, the webhook starts inactive (pending_verification) until its handshake passes. */
  verification?: EndpointVerification | null;
  /** Plaintext; stored encrypted. */
  secret: string;
}

export interface WebhookPatch {
  url?: string;
  events?: string[];
  description?: string | null;
  active?: boolean;
  signatureHeader?: string | null;
  format?: PayloadFormat;
  batch?: DeliveryBatch | null;
  throttlePerSecond?: number | null;
  retrySchedule?: number[] | null;
  disableAfterFailedDeliveries?: number | null;
  headers?: Record<string, string> | null;
}

/** The per-webhook delivery settings: entity field → changelog/event field. */
const ENDPOINT_SETTINGS = {
  throttlePerSecond: 'throttle_per_second',
  retrySchedule: 'retry_schedule',
  disableAfterFailedDeliveries: 'disable_after_failed_deliveries',
  headers: 'headers',
} as const;
type EndpointSettingKey = keyof typeof ENDPOINT_SETTINGS;
const ENDPOINT_SETTING_KEYS = Object.keys(ENDPOINT_SETTINGS) as EndpointSettingKey[];

export interface WriteOptions {
  /**
   * The version the caller read (e.g. from an If-Match header). When set and the webhook has moved
   * on, the write fails with ConcurrencyError instead of being re-applied to the newer state.
   */
  expectedVersion?: number;
}

interface Decision {
  type: WebhookEventType;
  change: Record<string, unknown>;
  /** The new projection row, or null to delete it. Undefined: nothing to change. */
  next: WebhookEntity | null | undefined;
}

interface Outcome {
  row: WebhookEntity;
  /** False when the decision was to change nothing. */
  changed: boolean;
}

const MAX_ATTEMPTS = 5;

function sameBatch(a: DeliveryBatch | null, b: DeliveryBatch | null): boolean {
  return a?.max_events === b?.max_events && a?.max_wait_ms === b?.max_wait_ms;
}

/**
 * The webhook aggregate, event-sourced: each change appends a row to webhook_events (the event
 * store and the outbox) and updates the webhooks projection in the same transaction. Optimistic
 * concurrency: the projection's version is compared on write and the unique (aggregate_id,
 * version) index refuses a second event with the same version; a losing writer re-reads and
 * re-applies its change (up to a few times), so concurrent PATCHes never lose one. A writer that
 * names the version it read (`expectedVersion`), or loses too often, gets a ConcurrencyError.
 * Each append NOTIFYs WEBHOOK_EVENTS_CHANNEL in the same transaction (delivered on commit).
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
      const pending = Boolean(input.verification) && input.active;
      const row = manager.getRepository(WebhookEntity).create({
        id,
        projectId: input.projectId,
        url: input.url,
        events: input.events,
        description: input.description,
        active: input.active && !pending,
        disabledReason: pending ? PENDING_VERIFICATION : input.active ? null : 'manual',
        signatureScheme: input.signatureScheme,
        signatureHeader: input.signatureHeader ?? null,
        format: input.format ?? 'envelope',
        batch: input.batch ?? null,
        throttlePerSecond: input.throttlePerSecond ?? null,
        retrySchedule: input.retrySchedule ?? null,
        disableAfterFailedDeliveries: input.disableAfterFailedDeliveries ?? null,
        headers: input.headers ?? null,
        verification: input.verification ?? null,
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
        signature_header: row.signatureHeader,
        format: row.format,
        batch: row.batch,
        ...Object.fromEntries(ENDPOINT_SETTING_KEYS.map((k) => [ENDPOINT_SETTINGS[k], row[k]])),
        verification: row.verification ? { type: row.verification.type } : null,
      });
      return row;
    });
  }

  async update(
    id: string,
    projectId: string | undefined,
    patch: WebhookPatch,
    actor: string | null,
    options: WriteOptions = {},
  ): Promise<WebhookEntity> {
    const { row } = await this.mutate(id, projectId, actor, options, (current) => {
      const next = { ...current } as WebhookEntity;
      const change: Record<string, unknown> = {};
      if (patch.url !== undefined && patch.url !== current.url) next.url = change.url = patch.url;
      if (patch.events !== undefined) next.events = change.events = patch.events;
      if (patch.description !== undefined)
        next.description = change.description = patch.description;
      if (patch.signatureHeader !== undefined && patch.signatureHeader !== current.signatureHeader)
        next.signatureHeader = change.signature_header = patch.signatureHeader;
      if (patch.format !== undefined && patch.format !== current.format)
        next.format = change.format = patch.format;
      if (patch.batch !== undefined && !sameBatch(patch.batch, current.batch))
        next.batch = change.batch = patch.batch;
      for (const key of ENDPOINT_SETTING_KEYS) {
        const value = patch[key];
        // Values are JSON (numbers, lists, maps of strings): equal when they serialise alike.
        if (value === undefined || JSON.stringify(value) === JSON.stringify(current[key])) continue;
        (next as unknown as Record<string, unknown>)[key] = value;
        change[ENDPOINT_SETTINGS[key]] = value;
      }
      const active = patch.active;
      const activeChanged = active !== undefined && active !== current.active;
      if (activeChanged) {
        next.active = change.active = active;
        next.disabledReason = patch.active ? null : 'manual';
        if (patch.active) next.consecutiveFailures = 0;
        change.disabled_reason = next.disabledReason;
      }
      // A change of `active` and nothing else is recorded as an enable or a disable; together
      // with other fields it is an update whose change carries `active`.
      const onlyActive =
        activeChanged &&
        Object.keys(change).every((k) => k === 'active' || k === 'disabled_reason');
      const type: WebhookEventType = onlyActive
        ? patch.active
          ? 'webhook.enabled'
          : 'webhook.disabled'
        : 'webhook.updated';
      if (Object.keys(change).length === 0) return { type, change, next: undefined };
      return { type, change, next };
    });
    return row;
  }

  /** A new secret; the old one keeps signing until `transitionHours` from now (0: at once). */
  async rotateSecret(
    id: string,
    projectId: string | undefined,
    secret: string,
    transitionHours: number,
    actor: string | null,
  ): Promise<WebhookEntity> {
    const { row } = await this.mutate(id, projectId, actor, {}, (current) => {
      const now = Date.now();
      const expiresAt =
        transitionHours > 0 ? new Date(now + transitionHours * 3_600_000).toISOString() : null;
      const previous = current.secrets[0]!;
      const secrets: EncryptedSecret[] = [
        { ciphertext: this.box.encrypt(id, secret), expires_at: null },
      ];
      if (expiresAt) secrets.push({ ciphertext: previous.ciphertext, expires_at: expiresAt });
      return {
        type: 'webhook.secret_rotated',
        change: { old_secret_expires_at: expiresAt },
        next: { ...current, secrets } as WebhookEntity,
      };
    });
    return row;
  }

  /**
   * Re-seals every secret of the webhook under the box's sealing key (same secrets, same
   * expiries). An event, so the relay publishes the new ciphertexts on the changelog for the
   * dispatcher. Answers false, appending nothing, when all were already sealed under that key.
   */
  async resealSecrets(id: string, actor: string | null): Promise<boolean> {
    const { changed } = await this.mutate(id, undefined, actor, {}, (current) => {
      if (current.secrets.every((s) => this.box.isSealedWithCurrentKey(s.ciphertext))) {
        return { type: 'webhook.secrets_resealed', change: {}, next: undefined };
      }
      const secrets: EncryptedSecret[] = current.secrets.map((s) => ({
        ciphertext: this.box.reseal(id, s.ciphertext),
        expires_at: s.expires_at,
      }));
      return {
        type: 'webhook.secrets_resealed',
        change: { key_id: this.box.sealingKeyId },
        next: { ...current, secrets } as WebhookEntity,
      };
    });
    return changed;
  }

  async delete(id: string, projectId: string | undefined, actor: string | null): Promise<void> {
    await this.mutate(id, projectId, actor, {}, () => ({
      type: 'webhook.deleted',
      change: {},
      next: null,
    }));
  }

  /**
   * Disables a webhook with a reason (the delivery lifecycle's disable rule, 410 Gone); a no-op
   * when already inactive. Answers the webhook after it and whether this call disabled it.
   */
  disable(
    id: string,
    reason: string,
    actor: string | null,
  ): Promise<{ webhook: WebhookEntity; changed: boolean }> {
    return this.disableIfActive(id, reason, actor).then((o) => ({
      webhook: o.row,
      changed: o.changed,
    }));
  }

  /** Re-enables a webhook and resets its failure count; a no-op when already active. */
  enable(id: string, actor: string | null): Promise<WebhookEntity> {
    return this.update(id, undefined, { active: true }, actor);
  }

  /**
   * Adds one to the webhook's consecutive failed deliveries and answers the new count and whether
   * the webhook is active; null when it no longer exists. An atomic increment outside the event
   * store: the count is bookkeeping for the delivery lifecycle's disable rule, not webhook state.
   */
  async countFailedDelivery(id: string): Promise<{ count: number; active: boolean } | null> {
    const [rows] = (await this.dataSource.query(
      'update webhooks set consecutive_failures = consecutive_failures + 1 where id = $1 returning consecutive_failures, active',
      [id],
    )) as [{ consecutive_failures: number; active: boolean }[], number];
    const row = rows[0];
    return row ? { count: row.consecutive_failures, active: row.active } : null;
  }

  /** Sets the webhook's consecutive failed deliveries back to 0 (a delivery succeeded). */
  async resetFailedDeliveries(id: string): Promise<void> {
    await this.dataSource.query(
      'update webhooks set consecutive_failures = 0 where id = $1 and consecutive_failures <> 0',
      [id],
    );
  }

  private disableIfActive(id: string, reason: string, actor: string | null): Promise<Outcome> {
    return this.mutate(id, undefined, actor, {}, (current) =>
      current.active
        ? {
            type: 'webhook.disabled',
            change: { active: false, disabled_reason: reason },
            next: { ...current, active: false, disabledReason: reason } as WebhookEntity,
          }
        : { type: 'webhook.disabled', change: {}, next: undefined },
    );
  }

  private async mutate(
    id: string,
    projectId: string | undefined,
    actor: string | null,
    options: WriteOptions,
    decide: (current: WebhookEntity) => Decision,
  ): Promise<Outcome> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction(async (manager) => {
          const repo = manager.getRepository(WebhookEntity);
          const current = await repo.findOneBy(projectId ? { id, projectId } : { id });
          if (!current) throw new WebhookNotFoundError(id);
          if (
            options.expectedVersion !== undefined &&
            options.expectedVersion !== current.version
          ) {
            throw new StaleVersionError(id);
          }
          const { type, change, next } = decide(current);
          if (next === undefined) return { row: current, changed: false };
          if (next === null) {
            const res = await repo.delete({ id, version: current.version });
            if (!res.affected) throw new ConcurrencyError(id);
            await this.append(
              manager,
              { ...current, version: current.version + 1 } as WebhookEntity,
              type,
              actor,
              change,
              true,
            );
            return { row: current, changed: true };
          }
          const updated = {
            ...next,
            version: current.version + 1,
            updatedAt: new Date(),
            updatedBy: actor,
          } as WebhookEntity;
          const res = await repo.update(
            { id, version: current.version },
            {
              url: updated.url,
              events: updated.events,
              description: updated.description,
              signatureHeader: updated.signatureHeader,
              format: updated.format,
              batch: updated.batch,
              throttlePerSecond: updated.throttlePerSecond,
              retrySchedule: updated.retrySchedule,
              disableAfterFailedDeliveries: updated.disableAfterFailedDeliveries,
              headers: updated.headers,
              active: updated.active,
              disabledReason: updated.disabledReason,
              secrets: updated.secrets,
              // Written only when the change resets it, so a concurrent failure count is not overwritten.
              ...(updated.consecutiveFailures !== current.consecutiveFailures
                ? { consecutiveFailures: updated.consecutiveFailures }
                : {}),
              version: updated.version,
              updatedAt: updated.updatedAt,
              updatedBy: updated.updatedBy,
            },
          );
          if (!res.affected) throw new ConcurrencyError(id);
          await this.append(manager, updated, type, actor, change);
          return { row: updated, changed: true };
        });
      } catch (e) {
        if (e instanceof StaleVersionError) throw new ConcurrencyError(id);
        const conflict = e instanceof ConcurrencyError || (e as { code?: string }).code === '23505';
        if (!conflict) throw e;
        // Another writer won: re-read and re-apply this change on top of theirs.
        if (attempt >= MAX_ATTEMPTS) throw new ConcurrencyError(id);
        // A little jitter so that racing writers do not collide again in lockstep.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
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
      [
        row.id,
        row.projectId,
        row.version,
        type,
        actor,
        JSON.stringify(change),
        tombstone ? null : JSON.stringify(WebhookStateSchema.parse(toWebhookState(row))),
      ],
    );
    await manager.query(`select pg_notify('${WEBHOOK_EVENTS_CHANNEL}', $1)`, [row.id]);
  }
}
