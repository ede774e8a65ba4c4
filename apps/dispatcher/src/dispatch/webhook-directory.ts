import type { DataSource } from 'typeorm';
import type {
  DeliveryBatch,
  EncryptedSecret,
  PayloadFormat,
  SignatureScheme,
  WebhookState,
} from '@hookline/contracts';
import type { WebhookView } from '@hookline/kafka';
import { queryPrepared, type SecretBox } from '@hookline/persistence';
import { BatchedLookup } from './batched-lookup';

/** What an attempt needs of its webhook. */
export interface DeliverableWebhook {
  id: string;
  projectId: string;
  url: string;
  scheme: SignatureScheme;
  /** The signature header's own name (single-signature schemes); null: the scheme's. */
  signatureHeader: string | null;
  format: PayloadFormat;
  /** Events sent together in one POST; null: one by one. */
  batch: DeliveryBatch | null;
  /** Deliveries per second at most; null: no limit. */
  throttlePerSecond: number | null;
  /** The webhook's own retry delays (ms) and disable threshold; null: the operator's. */
  retrySchedule: number[] | null;
  disableAfter: number | null;
  /** Custom request headers sent on every attempt. */
  headers: Record<string, string> | null;
  /** Plaintext secrets valid now, current first. */
  secrets: string[];
  version: number;
  consecutiveFailures: number;
}

/**
 * The webhook exists and is active, but no attempt can be made to it, and retrying will not
 * change that (its secret does not open with any configured key). Carries what the delivery log
 * needs of the webhook.
 */
export class UnusableWebhookError extends Error {
  readonly errorClass = 'secret_unreadable' as const;
  constructor(
    readonly webhook: Pick<DeliverableWebhook, 'id' | 'projectId' | 'url'>,
    cause: unknown,
  ) {
    super(
      `the webhook's secret cannot be decrypted with the configured encryption keys (${
        cause instanceof Error ? cause.message : String(cause)
      })`,
    );
    this.name = 'UnusableWebhookError';
  }
}

export type WebhookLookup =
  { ok: true; webhook: DeliverableWebhook } | { ok: false; reason: 'deleted' | 'inactive' };

interface GateRow {
  id: string;
  active: boolean;
  version: number;
  consecutive_failures: number;
}

interface FullRow extends GateRow {
  project_id: string;
  url: string;
  signature_scheme: SignatureScheme;
  signature_header: string | null;
  format: PayloadFormat;
  batch: DeliveryBatch | null;
  throttle_per_second: number | null;
  retry_schedule: number[] | null;
  disable_after_failed_deliveries: number | null;
  headers: Record<string, string> | null;
  secrets: EncryptedSecret[];
}

/** What signing, the body and the request need of a webhook, as the changelog or the table gives it. */
type Profile = Pick<
  DeliverableWebhook,
  | 'scheme'
  | 'signatureHeader'
  | 'format'
  | 'batch'
  | 'throttlePerSecond'
  | 'retrySchedule'
  | 'disableAfter'
  | 'headers'
>;

interface DecryptedSecret {
  secret: string;
  expiresAt: number | null;
}

/** A webhook's secrets as opened for one version of it. */
interface OpenedSecrets {
  version: number;
  secrets: DecryptedSecret[];
}

/** Secrets opened per turn of the event loop (see openSoon): about a millisecond's work. */
const OPEN_PER_TURN = 100;

export interface WebhookDirectoryOptions {
  maxBatch?: number;
  /**
   * Whether a webhook the view learns of now has its secrets opened ahead (see openSoon); by
   * default always. The dispatcher says no while its view replays the changelog at start.
   */
  openAhead?: () => boolean;
}

/**
 * The dispatcher's knowledge of webhooks. URL, scheme and secrets come from the changelog view
 * (secrets decrypted once per version). The changelog trails the registry's commits by the outbox
 * relay's delay, so the view alone could still call an endpoint after its DELETE (or disabling
 * PATCH) returned. Right before each attempt the webhooks table therefore confirms that the row
 * exists and is active; the lookups of concurrent attempts share one query (those of one turn of
 * the event loop, see BatchedLookup), so this costs a fraction of a round trip per attempt. Where
 * the table is newer than the view, the row itself is read.
 */
export class WebhookDirectory {
  private readonly gate: BatchedLookup<string, GateRow>;
  private readonly secrets = new Map<string, OpenedSecrets>();
  /** Webhooks the view learned of whose secrets are not opened yet (see openSoon). */
  private readonly toOpen = new Set<string>();
  private opening?: NodeJS.Immediate;

  constructor(
    private readonly view: WebhookView,
    private readonly dataSource: DataSource,
    private readonly box: SecretBox,
    options: WebhookDirectoryOptions = {},
  ) {
    this.gate = new BatchedLookup(
      async (ids) => {
        const rows = await queryPrepared<GateRow>(
          this.dataSource,
          'hookline_webhook_gate',
          'select id, active, version, consecutive_failures from webhooks where id = any($1)',
          [ids],
        );
        return new Map(rows.map((r) => [r.id, r]));
      },
      { maxBatch: options.maxBatch ?? 500 },
    );
    view.onChange((previous, next, id) => {
      if (!next || (previous && previous.version !== next.version)) this.secrets.delete(id);
      if (next && (options.openAhead?.() ?? true)) this.openSoon(id);
    });
  }

  async forAttempt(id: string): Promise<WebhookLookup> {
    const row = await this.gate.get(id);
    if (!row) return { ok: false, reason: 'deleted' };
    if (!row.active) return { ok: false, reason: 'inactive' };
    const viewed = this.view.get(id);
    if (viewed && viewed.version >= row.version) {
      return { ok: true, webhook: this.fromState(viewed, row.consecutive_failures) };
    }
    const full = await this.readRow(id);
    if (!full) return { ok: false, reason: 'deleted' };
    if (!full.active) return { ok: false, reason: 'inactive' };
    return {
      ok: true,
      webhook: this.build(
        full.id,
        full.project_id,
        full.url,
        {
          scheme: full.signature_scheme,
          signatureHeader: full.signature_header,
          format: full.format,
          batch: full.batch,
          throttlePerSecond: full.throttle_per_second,
          retrySchedule: full.retry_schedule,
          disableAfter: full.disable_after_failed_deliveries,
          headers: full.headers,
        },
        full.secrets,
        full.version,
        full.consecutive_failures,
      ),
    };
  }

  private fromState(state: WebhookState, consecutiveFailures: number): DeliverableWebhook {
    return this.build(
      state.id,
      state.project_id,
      state.url,
      {
        scheme: state.signature_scheme,
        signatureHeader: state.signature_header ?? null,
        format: state.format ?? 'envelope',
        batch: state.batch ?? null,
        throttlePerSecond: state.throttle_per_second ?? null,
        retrySchedule: state.retry_schedule ?? null,
        disableAfter: state.disable_after_failed_deliveries ?? null,
        headers: state.headers ?? null,
      },
      state.secrets,
      state.version,
      consecutiveFailures,
    );
  }

  private build(
    id: string,
    projectId: string,
    url: string,
    profile: Profile,
    encrypted: EncryptedSecret[],
    version: number,
    consecutiveFailures: number,
  ): DeliverableWebhook {
    let cached: OpenedSecrets;
    try {
      cached = this.opened(id, version, encrypted);
    } catch (e) {
      // Decryption is pure: what fails now fails on every retry.
      throw new UnusableWebhookError({ id, projectId, url }, e);
    }
    const now = Date.now();
    const valid = cached.secrets
      .filter((s) => s.expiresAt === null || s.expiresAt > now)
      .map((s) => s.secret);
    return { id, projectId, url, ...profile, secrets: valid, version, consecutiveFailures };
  }

  /** The webhook's secrets at `version`, opened once per version; throws when a secret does not open. */
  private opened(id: string, version: number, encrypted: EncryptedSecret[]): OpenedSecrets {
    let cached = this.secrets.get(id);
    if (!cached || cached.version !== version) {
      cached = {
        version,
        secrets: encrypted.map((s) => ({
          secret: this.box.decrypt(id, s.ciphertext),
          expiresAt: s.expires_at ? Date.parse(s.expires_at) : null,
        })),
      };
      this.secrets.set(id, cached);
    }
    return cached;
  }

  /**
   * Opens a webhook's secrets soon after the view learns of it (or of its new version), in small
   * slices between other work, rather than at its first attempt. Opening one takes ~10 µs: an
   * event to 10,000 new webhooks spent a twentieth of the dispatcher's time on it, in the middle
   * of delivering, where the view had them seconds before. A secret that does not open is left
   * for the attempt, which reports it (UnusableWebhookError). The webhooks of the changelog's
   * replay at start are not opened ahead (see WebhookDirectoryOptions.openAhead): they are every
   * webhook there is, most of them idle, and each opened one holds ~250 bytes.
   */
  private openSoon(id: string): void {
    this.toOpen.add(id);
    this.opening ??= setImmediate(() => this.openSome());
  }

  private openSome(): void {
    this.opening = undefined;
    let n = 0;
    for (const id of this.toOpen) {
      if (n++ === OPEN_PER_TURN) break;
      this.toOpen.delete(id);
      const state = this.view.get(id);
      if (!state) continue;
      try {
        this.opened(id, state.version, state.secrets);
      } catch {
        // Reported at its attempt.
      }
    }
    if (this.toOpen.size > 0) this.opening = setImmediate(() => this.openSome());
  }

  private async readRow(id: string): Promise<FullRow | undefined> {
    const rows: FullRow[] = await this.dataSource.query(
      `select id, project_id, url, signature_scheme, signature_header, format, batch, throttle_per_second, retry_schedule, disable_after_failed_deliveries, headers, secrets, active, version, consecutive_failures from webhooks where id = $1`,
      [id],
    );
    return rows[0];
  }
}
