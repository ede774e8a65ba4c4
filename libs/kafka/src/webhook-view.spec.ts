import type { WebhookState } from '@hookline/contracts';
import { WebhookView } from './webhook-view';

const state = (id: string, version: number, patch: Partial<WebhookState> = {}): string =>
  JSON.stringify({
    id,
    project_id: 'prj_1',
    url: 'https://example.test/hook',
    events: ['*'],
    description: null,
    active: true,
    disabled_reason: null,
    signature_scheme: 'standard',
    secrets: [{ ciphertext: 'AAAA', expires_at: null }],
    version,
    created_at: '2026-11-22T00:00:00.000Z',
    updated_at: '2026-11-22T00:00:00.000Z',
    ...patch,
  });

describe(WebhookView.name, () => {
  it('should apply newer versions, ignore older ones and remove on a tombstone', () => {
    const sut = new WebhookView();
    const changes: [number | undefined, number | undefined, string][] = [];
    sut.onChange((previous, next, id) => changes.push([previous?.version, next?.version, id]));
    sut.apply('wh_1', state('wh_1', 1));
    sut.apply('wh_1', state('wh_1', 3, { url: 'https://example.test/v3' }));
    sut.apply('wh_1', state('wh_1', 2, { url: 'https://example.test/stale' }));
    expect(sut.get('wh_1')?.url).toBe('https://example.test/v3');
    sut.apply('wh_1', null);
    sut.apply('wh_2', null);
    expect(sut.size).toBe(0);
    expect(changes).toEqual([
      [undefined, 1, 'wh_1'],
      [1, 3, 'wh_1'],
      [3, undefined, 'wh_1'],
    ]);
  });

  it('should count and skip records that fail the schema or carry another id', () => {
    const sut = new WebhookView();
    sut.apply('wh_1', '{not json');
    sut.apply('wh_1', JSON.stringify({ id: 'wh_1' }));
    sut.apply('wh_1', state('wh_other', 1));
    expect(sut.invalidRecords).toBe(2);
    expect(sut.size).toBe(0);
  });

  it('should keep only what select returns', () => {
    const sut = new WebhookView({ select: (s) => ({ version: s.version, events: s.events }) });
    sut.apply('wh_1', state('wh_1', 1, { events: ['project.*'] }));
    expect(sut.get('wh_1')).toEqual({ version: 1, events: ['project.*'] });
  });
});
