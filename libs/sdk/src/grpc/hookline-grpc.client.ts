import type { EventData, EventType } from '@hookline/contracts';
import type {
  CreateWebhookOptions,
  Delivery,
  DeliveryFilters,
  DeliveryWithAttempts,
  Page,
  Redelivery,
  RotatedSecret,
  UpdateWebhookInput,
  Webhook,
} from '../types';
import { ingestRequest, type PublishOptions } from '../ingest-request';
import { GrpcTransport, type GrpcTransportOptions } from './grpc-transport';

export type HooklineGrpcClientOptions = GrpcTransportOptions;

/** Nullable fields of UpdateWebhookInput, which the proto clears by name (`clear`). */
const CLEARABLE = [
  'description',
  'signature_header',
  'batch',
  'throttle_per_second',
  'retry_schedule',
  'disable_after_failed_deliveries',
  'headers',
] as const;

/**
 * A typed client of the registry's internal gRPC API (`hookline.v1`, protos in
 * @hookline/contracts), with the HTTP client's methods and answers:
 *
 *   const hl = new HooklineGrpcClient({ address: 'registry:50051', apiKey });
 *   const webhook = await hl.webhooks.create('https://example.com/hook', ['project.*']);
 *
 * A failed call throws HooklineGrpcError (its gRPC status, and the bad fields in `details`).
 */
export class HooklineGrpcClient {
  private readonly grpc: GrpcTransport;

  constructor(options: HooklineGrpcClientOptions) {
    this.grpc = new GrpcTransport(options);
  }

  readonly webhooks = {
    /** The answer carries `secret` (whsec_…): keep it, it is not shown again. */
    create: async (
      url: string,
      events: string[],
      opts: CreateWebhookOptions = {},
    ): Promise<Webhook & { secret: string }> =>
      this.webhook(
        await this.grpc.call('WebhooksService', 'CreateWebhook', { url, events, ...opts }),
      ) as Webhook & { secret: string },
    get: async (id: string): Promise<Webhook> =>
      this.webhook(await this.grpc.call('WebhooksService', 'GetWebhook', { id })),
    /** One page. */
    page: async (opts: { limit?: number; cursor?: string } = {}): Promise<Page<Webhook>> => {
      const page = await this.grpc.call<Page<Webhook>>('WebhooksService', 'ListWebhooks', opts);
      return { ...page, data: page.data.map((w) => this.webhook(w)) };
    },
    /** `null` clears a nullable field (description, batch, headers, …); re-enable with `{ active: true }`. */
    update: async (id: string, patch: UpdateWebhookInput): Promise<Webhook> => {
      const fields: Record<string, unknown> = { ...patch };
      const clear = CLEARABLE.filter((name) => fields[name] === null);
      for (const name of clear) delete fields[name];
      return this.webhook(
        await this.grpc.call('WebhooksService', 'UpdateWebhook', { id, ...fields, clear }),
      );
    },
    delete: async (id: string): Promise<void> => {
      await this.grpc.call('WebhooksService', 'DeleteWebhook', { id });
    },
    /** A new secret (or `secret`); the old one keeps signing for `transitionHours` (0 to 24). */
    rotateSecret: async (id: string, transitionHours = 24, secret?: string) => {
      const rotated = await this.grpc.call<RotatedSecret>('WebhooksService', 'RotateSecret', {
        id,
        transition_hours: transitionHours,
        ...(secret === undefined ? {} : { secret }),
      });
      return { ...rotated, webhook: this.webhook(rotated.webhook) };
    },
  };

  readonly events = {
    /** Answered once Kafka has it; the same `id` again is accepted and published once. */
    publish: <T extends EventType>(
      type: T,
      data: EventData<T>,
      opts: PublishOptions = {},
    ): Promise<{ id: string }> =>
      this.grpc.call('EventsService', 'PublishEvent', {
        ...ingestRequest(type, data, opts),
        data: JSON.stringify(data),
      }),
  };

  readonly deliveries = {
    /** One page of a webhook's deliveries, newest first. */
    page: (webhookId: string, filters: DeliveryFilters = {}): Promise<Page<Delivery>> =>
      this.grpc.call('DeliveriesService', 'ListDeliveries', { webhook_id: webhookId, ...filters }),
    /** One page of the project's deliveries (every webhook), newest first. */
    projectPage: (filters: DeliveryFilters = {}): Promise<Page<Delivery>> =>
      this.grpc.call('DeliveriesService', 'ListDeliveries', filters),
    /** The delivery with every attempt and its event. */
    get: async (id: string): Promise<DeliveryWithAttempts> => {
      const delivery = await this.grpc.call<DeliveryWithAttempts & { event: string }>(
        'DeliveriesService',
        'GetDelivery',
        { id },
      );
      return { ...delivery, event: JSON.parse(delivery.event) as Record<string, unknown> };
    },
    /** A new attempt now, whatever the delivery's state. */
    redeliver: (id: string): Promise<Redelivery> =>
      this.grpc.call('DeliveriesService', 'RedeliverDelivery', { id }),
  };

  /** Closes the connections. */
  close(): void {
    this.grpc.close();
  }

  /** `secret` is in the answers of create and rotate only, absent (not null) elsewhere. */
  private webhook(webhook: Webhook): Webhook {
    if (webhook.secret === null) delete webhook.secret;
    // The proto has no null list or map: empty is null (the API never stores an empty one).
    if (Array.isArray(webhook.retry_schedule) && webhook.retry_schedule.length === 0)
      webhook.retry_schedule = null;
    if (!webhook.headers || Object.keys(webhook.headers).length === 0) webhook.headers = null;
    if (webhook.circuit === null) delete webhook.circuit;
    return webhook;
  }
}
