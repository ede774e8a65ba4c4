import { Inject, Injectable } from '@nestjs/common';
import { DataSource, MoreThan } from 'typeorm';
import type { HooklineConfig } from '@hookline/config';
import {
  ConcurrencyError,
  SecretBox,
  WebhookEntity,
  WebhookEventStore,
  WebhookNotFoundError,
} from '@hookline/persistence';
import { generateSecret } from '@hookline/signing';
import { UrlPolicyError, resolveAndCheck } from '@hookline/url-policy';
import { ApiError } from '../common/api-error';
import { EventTypesService } from '../event-types/event-types.service';
import { CONFIG } from '../infra/tokens';
import { ChangelogRelay } from '../outbox/changelog-relay';
import type { CallerKey } from '../auth/current-key.decorator';
import { presentWebhook } from './webhook.presenter';
import type { CreateWebhookBody, UpdateWebhookBody, WebhookResponse } from './webhook.dto';

@Injectable()
export class WebhooksService {
  private readonly store: WebhookEventStore;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(CONFIG) private readonly config: HooklineConfig,
    private readonly relay: ChangelogRelay,
    private readonly eventTypes: EventTypesService,
  ) {
    this.store = new WebhookEventStore(dataSource, new SecretBox(config.HOOKLINE_ENCRYPTION_KEYS));
  }

  async create(caller: CallerKey, body: CreateWebhookBody): Promise<WebhookResponse> {
    await this.eventTypes.checkSubscriptions(body.events);
    const url = await this.checkUrl(body.url, body.verify !== false);
    const secret = generateSecret();
    const row = await this.store.create(
      {
        projectId: caller.projectId,
        url,
        events: [...new Set(body.events)],
        description: body.description ?? null,
        active: body.active ?? true,
        signatureScheme: body.signature_scheme ?? 'standard',
        secret,
      },
      caller.keyId,
    );
    await this.relay.awaitPublished(row.id);
    return presentWebhook(row, secret);
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
    return presentWebhook(row);
  }

  async update(caller: CallerKey, id: string, body: UpdateWebhookBody): Promise<WebhookResponse> {
    if (body.events) await this.eventTypes.checkSubscriptions(body.events);
    const url = body.url === undefined ? undefined : await this.checkUrl(body.url, true);
    const row = await this.guard(() =>
      this.store.update(
        id,
        caller.projectId,
        { ...body, url, events: body.events ? [...new Set(body.events)] : undefined },
        caller.keyId,
      ),
    );
    await this.relay.awaitPublished(id);
    return presentWebhook(row);
  }

  async rotateSecret(caller: CallerKey, id: string, transitionHours: number) {
    const secret = generateSecret();
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
