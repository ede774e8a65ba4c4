import { Inject, Injectable } from '@nestjs/common';
import { DataSource, MoreThan } from 'typeorm';
import type { HooklineConfig } from '@hookline/config';
import {
  ConcurrencyError,
  EndpointCircuitRepository,
  SecretBox,
  WebhookEntity,
  WebhookEventStore,
  WebhookNotFoundError,
} from '@hookline/persistence';
import {
  PENDING_VERIFICATION,
  endpointCircuitKey,
  type SignatureScheme,
} from '@hookline/contracts';
import { generateSecret, secretProblem } from '@hookline/signing';
import { UrlPolicyError, resolveAndCheck } from '@hookline/url-policy';
import { ApiError } from '../common/api-error';
import { EventTypesService } from '../event-types/event-types.service';
import { CONFIG } from '../infra/tokens';
import { ChangelogRelay } from '../outbox/changelog-relay';
import type { CallerKey } from '../auth/current-key.decorator';
import { checkEndpointSettings } from './endpoint-settings.policy';
import { EndpointVerifier, type HandshakeResult } from './endpoint-verifier';
import { VerificationEventPublisher } from './verification-event.publisher';
import { presentWebhook } from './webhook.presenter';
import type { CreateWebhookBody, UpdateWebhookBody, WebhookResponse } from './webhook.dto';

@Injectable()
export class WebhooksService {
  private readonly store: WebhookEventStore;
  private readonly box: SecretBox;
  private readonly verifier: EndpointVerifier;
  private readonly circuits: EndpointCircuitRepository;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(CONFIG) private readonly config: HooklineConfig,
    private readonly relay: ChangelogRelay,
    private readonly eventTypes: EventTypesService,
    private readonly verificationEvents: VerificationEventPublisher,
  ) {
    this.box = new SecretBox(config.HOOKLINE_ENCRYPTION_KEYS);
    this.store = new WebhookEventStore(dataSource, this.box);
    this.circuits = new EndpointCircuitRepository(dataSource);
    this.verifier = new EndpointVerifier({
      allowHttp: config.HOOKLINE_ALLOW_HTTP,
      allowPrivate: config.HOOKLINE_ALLOW_PRIVATE_URLS,
    });
  }

  async create(caller: CallerKey, body: CreateWebhookBody): Promise<WebhookResponse> {
    await this.checkWebhookLimit(caller.projectId);
    await this.eventTypes.checkSubscriptions(body.events);
    const scheme = body.signature_scheme ?? 'standard';
    const secret = this.ownOrGenerated(body.secret, scheme);
    checkEndpointSettings(body, this.config, {
      scheme,
      signatureHeader: body.signature_header ?? null,
    });
    const url = await this.checkUrl(body.url, body.verify !== false);
    const row = await this.store.create(
      {
        projectId: caller.projectId,
        url,
        events: [...new Set(body.events)],
        description: body.description ?? null,
        active: body.active ?? true,
        signatureScheme: scheme,
        signatureHeader: body.signature_header ?? null,
        format: body.format ?? 'envelope',
        batch: body.batch ?? null,
        throttlePerSecond: body.throttle_per_second ?? null,
        retrySchedule: body.retry_schedule ?? null,
        disableAfterFailedDeliveries: body.disable_after_failed_deliveries ?? null,
        headers: storedHeaders(body.headers) ?? null,
        verification: body.verification ?? null,
        secret,
      },
      caller.keyId,
    );
    await this.relay.awaitPublished(row.id);
    if (row.disabledReason !== PENDING_VERIFICATION) return presentWebhook(row, secret);
    // The handshake runs on save; a failure leaves the webhook pending, to retry with /verify.
    const { webhook } = await this.handshake(caller, row, true);
    return presentWebhook(webhook, secret);
  }

  /**
   * HOOKLINE_MAX_WEBHOOKS_PER_PROJECT. Counted before the insert, not under a lock: creates racing
   * at the limit may pass it by their number, which bounds nothing worse than the limit's purpose.
   */
  private async checkWebhookLimit(projectId: string): Promise<void> {
    const max = this.config.HOOKLINE_MAX_WEBHOOKS_PER_PROJECT;
    if (max === 0) return;
    const count = await this.dataSource.getRepository(WebhookEntity).countBy({ projectId });
    if (count >= max)
      throw new ApiError(
        409,
        'webhook_limit_reached',
        `this project has ${count} webhooks, the most it may have (HOOKLINE_MAX_WEBHOOKS_PER_PROJECT=${max}); delete one first`,
      );
  }

  /** Runs the endpoint's handshake again; a pass makes a pending webhook active. */
  async verify(caller: CallerKey, id: string) {
    const row = await this.dataSource
      .getRepository(WebhookEntity)
      .findOneBy({ id, projectId: caller.projectId });
    if (!row) throw ApiError.notFound('webhook');
    if (!row.verification) throw ApiError.conflict('the webhook has no verification configured');
    const { result, webhook } = await this.handshake(caller, row, false);
    return { ...result, webhook: presentWebhook(webhook) };
  }

  private async handshake(
    caller: CallerKey,
    row: WebhookEntity,
    first: boolean,
  ): Promise<{ result: HandshakeResult; webhook: WebhookEntity }> {
    const now = Date.now();
    const secrets = row.secrets
      .filter((s) => s.expires_at === null || Date.parse(s.expires_at) > now)
      .map((s) => this.box.decrypt(row.id, s.ciphertext));
    const result = await this.verifier.run({
      url: row.url,
      scheme: row.signatureScheme,
      signatureHeader: row.signatureHeader,
      secrets,
      verification: row.verification!,
    });
    // A failure is announced when the outcome changes: on save (the first handshake) and for a
    // webhook not pending (it had passed, or never ran one); a pending webhook's retry that fails
    // again is not. A failure is not stored, so an active webhook's repeated failed /verify is
    // announced each time (one per request a person makes).
    if (!result.passed && (first || row.disabledReason !== PENDING_VERIFICATION))
      await this.verificationEvents.failed(row, result);
    if (!result.passed || row.disabledReason !== PENDING_VERIFICATION)
      return { result, webhook: row };
    const webhook = await this.guard(() =>
      this.store.update(row.id, caller.projectId, { active: true }, caller.keyId),
    );
    await this.relay.awaitPublished(row.id);
    return { result, webhook };
  }

  async list(caller: CallerKey, limit: number, cursor?: string) {
    const rows = await this.dataSource.getRepository(WebhookEntity).find({
      where: cursor
        ? { projectId: caller.projectId, id: MoreThan(cursor) }
        : { projectId: caller.projectId },
      order: { id: 'ASC' },
      take: limit + 1,
    });
    const page = rows.slice(0, limit);
    return {
      data: page.map((w) => presentWebhook(w)),
      next_cursor: rows.length > limit ? page[page.length - 1]!.id : null,
    };
  }

  async get(caller: CallerKey, id: string): Promise<WebhookResponse> {
    const row = await this.dataSource
      .getRepository(WebhookEntity)
      .findOneBy({ id, projectId: caller.projectId });
    if (!row) throw ApiError.notFound('webhook');
    const circuit = await this.circuits.forEndpoint(endpointCircuitKey(row.url, row.id));
    return { ...presentWebhook(row), circuit };
  }

  async update(caller: CallerKey, id: string, body: UpdateWebhookBody): Promise<WebhookResponse> {
    if (body.events) await this.eventTypes.checkSubscriptions(body.events);
    const url = body.url === undefined ? undefined : await this.checkUrl(body.url, true);
    const current =
      body.active === true || body.headers !== undefined || body.signature_header !== undefined
        ? await this.dataSource
            .getRepository(WebhookEntity)
            .findOneBy({ id, projectId: caller.projectId })
        : null;
    if (current) {
      // Custom headers are checked against the signature header they will be sent with.
      checkEndpointSettings(
        { ...body, headers: body.headers === undefined ? current.headers : body.headers },
        this.config,
        {
          scheme: current.signatureScheme,
          signatureHeader:
            body.signature_header === undefined ? current.signatureHeader : body.signature_header,
        },
      );
    } else checkEndpointSettings(body, this.config, { scheme: 'standard', signatureHeader: null });
    if (body.active === true) {
      if (current?.disabledReason === PENDING_VERIFICATION) {
        const message = 'the endpoint has not passed its verification; retry it with POST /verify';
        throw ApiError.badRequest(`active: ${message}`, [{ field: 'active', message }]);
      }
    }
    const row = await this.guard(() =>
      this.store.update(
        id,
        caller.projectId,
        {
          url,
          events: body.events ? [...new Set(body.events)] : undefined,
          description: body.description,
          active: body.active,
          signatureHeader: body.signature_header,
          format: body.format,
          batch: body.batch,
          throttlePerSecond: body.throttle_per_second,
          retrySchedule: body.retry_schedule,
          disableAfterFailedDeliveries: body.disable_after_failed_deliveries,
          headers: storedHeaders(body.headers),
        },
        caller.keyId,
      ),
    );
    await this.relay.awaitPublished(id);
    return presentWebhook(row);
  }

  async rotateSecret(caller: CallerKey, id: string, transitionHours: number, ownSecret?: string) {
    let secret = generateSecret();
    if (ownSecret !== undefined) {
      const current = await this.dataSource
        .getRepository(WebhookEntity)
        .findOneBy({ id, projectId: caller.projectId });
      if (!current) throw ApiError.notFound('webhook');
      secret = this.ownOrGenerated(ownSecret, current.signatureScheme);
    }
    const row = await this.guard(() =>
      this.store.rotateSecret(id, caller.projectId, secret, transitionHours, caller.keyId),
    );
    await this.relay.awaitPublished(id);
    const view = presentWebhook(row, secret);
    return { secret, old_secret_expires_at: view.old_secret_expires_at, webhook: view };
  }

  async delete(caller: CallerKey, id: string): Promise<void> {
    await this.guard(() => this.store.delete(id, caller.projectId, caller.keyId));
    await this.relay.awaitPublished(id);
  }

  /** The owner's secret when it is strong enough for the scheme (else 400 on `secret`), or a new one. */
  private ownOrGenerated(own: string | undefined, scheme: SignatureScheme): string {
    if (own === undefined) return generateSecret();
    const problem = secretProblem(own, scheme);
    if (problem)
      throw ApiError.badRequest(`secret ${problem}`, [{ field: 'secret', message: problem }]);
    return own;
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof WebhookNotFoundError) throw ApiError.notFound('webhook');
      if (e instanceof ConcurrencyError)
        throw ApiError.conflict('the webhook was changed concurrently; retry');
      throw e;
    }
  }

  private async checkUrl(url: string, resolve: boolean): Promise<string> {
    try {
      const options = {
        allowHttp: this.config.HOOKLINE_ALLOW_HTTP,
        allowPrivate: this.config.HOOKLINE_ALLOW_PRIVATE_URLS,
      };
      const checked = await resolveAndCheck(url, { ...options, skipDns: !resolve });
      return checked.url.toString();
    } catch (e) {
      if (e instanceof UrlPolicyError)
        throw ApiError.badRequest(`url ${e.message}`, [{ field: 'url', message: e.message }]);
      throw e;
    }
  }
}

/** An empty map of headers is stored as none (null), so that every API shows one value for it. */
function storedHeaders<T extends Record<string, string> | null | undefined>(headers: T) {
  return headers && Object.keys(headers).length === 0 ? null : headers;
}
