import { renderPayload, toDiscordMessage, toSlackMessage } from './chat-message';

// The Hostwares payload of the brief.
const deployed = {
  id: 'evt_abc123def456',
  project_id: 'prj_1',
  event: 'deployment.completed',
  occurred_at: '2026-05-23T14:30:00.000Z',
  data: {
    site_id: 'cm1234abcd',
    site_name: 'my-nextjs-app',
    status: 'RUNNING',
    duration_seconds: 12.5,
    commit_message: 'feat: add user profiles',
    meta: { region: 'eu' },
    note: null,
  },
};

describe(toDiscordMessage.name, () => {
  it("should make the brief's Discord embed: title, green for success, inline fields, timestamp", () => {
    const [embed] = toDiscordMessage(deployed).embeds;
    expect(embed).toMatchObject({
      title: 'deployment.completed',
      color: 0x22c55e,
      timestamp: '2026-05-23T14:30:00.000Z',
      footer: { text: 'evt_abc123def456' },
    });
    expect(embed!.fields).toContainEqual({
      name: 'site_name',
      value: 'my-nextjs-app',
      inline: true,
    });
    expect(embed!.fields).toContainEqual({ name: 'duration_seconds', value: '12.5', inline: true });
    expect(embed!.fields).toContainEqual({ name: 'meta', value: '{"region":"eu"}', inline: true });
    expect(embed!.fields).toContainEqual({ name: 'note', value: 'N/A', inline: true });
  });

  it('should colour a failure red and keep within Discord limits', () => {
    const data = Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [`f${i}`, 'x'.repeat(2000)]),
    );
    const [embed] = toDiscordMessage({ ...deployed, event: 'deployment.failed', data }).embeds;
    expect(embed!.color).toBe(0xef4444);
    expect(embed!.fields).toHaveLength(25);
    expect(embed!.fields[0]!.value).toHaveLength(1024);
  });
});

describe(toSlackMessage.name, () => {
  it('should make a Slack message with text, a header, the fields and the event id', () => {
    const message = toSlackMessage(deployed);
    expect(message.text).toBe('deployment.completed (evt_abc123def456)');
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'deployment.completed' },
    });
    expect(JSON.stringify(message.blocks[1])).toContain('*site_name*\\nmy-nextjs-app');
    expect(JSON.stringify(message.blocks[2])).toContain('evt_abc123def456');
  });
});

describe(renderPayload.name, () => {
  it('should keep the envelope as the default format', () => {
    expect(renderPayload('envelope', deployed, 'wh_1')).toMatchObject({
      id: deployed.id,
      webhook_id: 'wh_1',
      data: deployed.data,
    });
  });
});
