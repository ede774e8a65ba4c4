import { randomBytes } from 'node:crypto';
import { setImmediate as turn } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import { WebhookView } from '@hookline/kafka';
import { SecretBox } from '@hookline/persistence';
import { webhookState } from '@hookline/testing';
import { WebhookDirectory } from './webhook-directory';

/** The webhooks table as the gate reads it: every webhook asked for exists, active, at `version`. */
function gateAnswering(version: () => number): DataSource {
  const master = {
    query: async ({ values }: { values: [string[]] }) => ({
      rows: values[0].map((id) => ({
        id,
        active: true,
        version: version(),
        consecutive_failures: 0,
      })),
    }),
  };
  return { driver: { master } } as unknown as DataSource;
}

describe(WebhookDirectory.name, () => {
  const box = new SecretBox(randomBytes(32));
  let view: WebhookView;
  let decrypt: jest.SpyInstance;
  let version: number;
  let sut: WebhookDirectory;

  beforeEach(() => {
    view = new WebhookView();
    decrypt = jest.spyOn(box, 'decrypt');
    version = 1;
    sut = new WebhookDirectory(
      view,
      gateAnswering(() => version),
      box,
    );
  });

  afterEach(() => decrypt.mockRestore());

  const learn = (state: ReturnType<typeof webhookState>) =>
    view.apply(state.id, JSON.stringify(state));

  it("should open a webhook's secrets when the view learns of it, not at its first attempt", async () => {
    const state = webhookState({ plaintextSecrets: ['whsec_one'], box });
    learn(state);
    expect(decrypt).not.toHaveBeenCalled(); // not inside the changelog's apply
    await turn();
    expect(decrypt).toHaveBeenCalledTimes(1);

    const found = await sut.forAttempt(state.id);
    expect(found).toMatchObject({ ok: true, webhook: { secrets: ['whsec_one'] } });
    expect(decrypt).toHaveBeenCalledTimes(1);
  });

  it('should open a new version again, and nothing of a webhook deleted before its turn', async () => {
    const state = webhookState({ plaintextSecrets: ['whsec_one'], box });
    learn(state);
    await turn();
    const rotated = {
      ...state,
      version: 2,
      secrets: webhookState({ id: state.id, plaintextSecrets: ['whsec_two'], box }).secrets,
    };
    version = 2;
    learn(rotated);
    await turn();
    expect(decrypt).toHaveBeenCalledTimes(2);
    expect(await sut.forAttempt(state.id)).toMatchObject({ webhook: { secrets: ['whsec_two'] } });
    expect(decrypt).toHaveBeenCalledTimes(2);

    const gone = webhookState({ plaintextSecrets: ['whsec_gone'], box });
    learn(gone);
    view.apply(gone.id, null);
    await turn();
    expect(decrypt).toHaveBeenCalledTimes(2);
  });

  it("should leave the changelog's replay at start to the first attempts, and open what comes after it", async () => {
    let replaying = true;
    view = new WebhookView(); // without the directory of beforeEach, which opens ahead
    sut = new WebhookDirectory(
      view,
      gateAnswering(() => version),
      box,
      {
        openAhead: () => !replaying,
      },
    );
    const replayed = webhookState({ plaintextSecrets: ['whsec_old'], box });
    learn(replayed);
    await turn();
    expect(decrypt).not.toHaveBeenCalled();
    replaying = false;
    const created = webhookState({ plaintextSecrets: ['whsec_new'], box });
    learn(created);
    await turn();
    expect(decrypt).toHaveBeenCalledTimes(1);
    expect(await sut.forAttempt(replayed.id)).toMatchObject({
      webhook: { secrets: ['whsec_old'] },
    });
    expect(decrypt).toHaveBeenCalledTimes(2);
  });

  it('should open many webhooks in slices between other work, and leave a secret that does not open to the attempt', async () => {
    const states = Array.from({ length: 250 }, () =>
      webhookState({ plaintextSecrets: ['whsec_many'], box }),
    );
    const unreadable = webhookState({
      plaintextSecrets: ['whsec_x'],
      box: new SecretBox(randomBytes(32)),
    });
    for (const s of [unreadable, ...states]) learn(s);
    await turn();
    expect(decrypt.mock.calls.length).toBeLessThan(states.length); // one slice, not all at once
    for (let i = 0; i < 5; i++) await turn();
    expect(decrypt).toHaveBeenCalledTimes(states.length + 1);
    await expect(sut.forAttempt(unreadable.id)).rejects.toMatchObject({
      name: 'UnusableWebhookError',
    });
  });
});
