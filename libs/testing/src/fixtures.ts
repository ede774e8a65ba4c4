import type { Kafka, Producer, RecordMetadata } from 'kafkajs';
import { newId, type EventEnvelope, type WebhookState } from '@hookline/contracts';
import { SecretBox, type AttemptRecord } from '@hookline/persistence';

/** A valid changelog state; secrets are encrypted with `box` when given plaintext ones. */
export function webhookState(
  patch: Partial<WebhookState> & { plaintextSecrets?: string[]; box?: SecretBox } = {},
): WebhookState {
  const { plaintextSecrets, box, ...rest } = patch;
  const id = rest.id ?? newId('webhook');
  const now = new Date().toISOString();
  const secrets =
    plaintextSecrets && box
      ? plaintextSecrets.map((s, i) => ({
          ciphertext: box.encrypt(id, s),
          expires_at: i === 0 ? null : new Date(Date.now() + 3_600_000).toISOString(),
        }))
      : [{ ciphertext: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', expires_at: null }];
  return {
    id,
    project_id: 'prj_test',
    url: 'http://127.0.0.1:9/hook',
    events: ['*'],
    description: null,
    active: true,
    disabled_reason: null,
    signature_scheme: 'standard',
    secrets,
    version: 1,
    created_at: now,
    updated_at: now,
    ...rest,
  };
}

/**
 * Data that fits the catalog's schema of each type the tests publish (the fan-out dead-letters
 * data that does not); other types need their `data` given.
 */
function sampleData(type: string, projectId: string): Record<string, unknown> {
  const deployment = { deployment_id: 'dep_test', project_id: projectId };
  switch (type) {
    case 'ignite.deployment.created':
    case 'ignite.deployment.updated':
      return {
        ...deployment,
        name: 'web',
        image: 'registry.example.com/web:1',
        region: 'eu-west-1',
        replicas: 2,
        cpu_cores: 0.5,
        memory_mb: 512,
      };
    case 'ignite.deployment.rollout.created':
    case 'ignite.deployment.rollout.updated':
      return { ...deployment, rollout_id: 'rol_test', version: 2, state: 'in_progress' };
    case 'project.member.created':
    case 'project.member.updated':
    case 'project.member.deleted':
      return {
        project_id: projectId,
        user_id: 'usr_test',
        email: 'ada@example.com',
        role: 'developer',
      };
    default:
      return { project_id: projectId, name: 'Demo', tier: 'pro', region: 'eu-west-1' };
  }
}

export function eventEnvelope(patch: Partial<EventEnvelope> = {}): EventEnvelope {
  const projectId = patch.project_id ?? 'prj_test';
  const event = patch.event ?? 'project.updated';
  return {
    id: newId('event'),
    project_id: projectId,
    event,
    occurred_at: new Date().toISOString(),
    data: sampleData(event, projectId),
    ...patch,
  };
}

/** A first attempt that succeeded, as the dispatcher logs it. */
export function succeededAttempt(patch: Partial<AttemptRecord> = {}): AttemptRecord {
  const at = patch.startedAt ?? new Date();
  const projectId = patch.projectId ?? 'prj_test';
  return {
    deliveryId: newId('message'),
    webhookId: 'wh_test',
    projectId,
    event: eventEnvelope({ project_id: projectId }),
    attempt: 1,
    trigger: 'automatic',
    url: 'https://example.test/',
    requestHeaders: {},
    responseStatus: 200,
    responseBody: 'ok',
    durationMs: 3,
    errorClass: null,
    error: null,
    startedAt: at,
    status: 'succeeded',
    nextAttemptAt: null,
    chain: 0,
    createdAt: at,
    ...patch,
  };
}

/** Writes changelog records and events straight to the prefixed topics, as the registry and producers would. */
export class TopicWriter {
  private constructor(private readonly producer: Producer) {}

  static async connect(kafka: Kafka): Promise<TopicWriter> {
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    return new TopicWriter(producer);
  }

  async webhook(topic: string, state: WebhookState): Promise<void> {
    await this.producer.send({
      topic,
      acks: -1,
      messages: [{ key: state.id, value: JSON.stringify(state) }],
    });
  }

  async tombstone(topic: string, webhookId: string): Promise<void> {
    await this.producer.send({ topic, acks: -1, messages: [{ key: webhookId, value: null }] });
  }

  /** Publishes the events keyed by project; resolves with where they went. */
  events(
    topic: string,
    events: EventEnvelope[],
    headers: Record<string, string> = {},
  ): Promise<RecordMetadata[]> {
    return this.producer.send({
      topic,
      acks: -1,
      messages: events.map((e) => ({ key: e.project_id, value: JSON.stringify(e), headers })),
    });
  }

  async raw(
    topic: string,
    key: string,
    value: string | null,
    headers: Record<string, string> = {},
  ): Promise<void> {
    await this.producer.send({ topic, acks: -1, messages: [{ key, value, headers }] });
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}
