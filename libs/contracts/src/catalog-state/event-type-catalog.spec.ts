import { BRIEF_PAYLOADS } from '../catalog/brief-payloads';
import { BUILT_IN_VERSION, EventTypeCatalog } from './event-type-catalog';
import { CatalogChangelog, type EventTypeState } from './event-type-state';

const completed = (version: number, schema: Record<string, unknown>): EventTypeState => ({
  name: 'deployment.completed',
  description: 'The deployment succeeded.',
  schema,
  example: { site_id: 'cm1234abcd' },
  version,
  deprecated: false,
  built_in: false,
  updated_at: '2026-12-01T00:00:00.000Z',
});
const siteSchema = {
  type: 'object',
  properties: { site_id: { type: 'string' }, duration_seconds: { type: 'number' } },
  required: ['site_id'],
};

describe(EventTypeCatalog.name, () => {
  let sut: EventTypeCatalog;
  beforeEach(() => (sut = new EventTypeCatalog()));

  it('should know only the built-in types before any changelog record', () => {
    expect(sut.check('deployment.completed', {})).toEqual({ ok: false, reason: 'unknown_type' });
    const { event, data } = BRIEF_PAYLOADS[0];
    expect(sut.check(event, data)).toEqual({ ok: true, data });
    expect(sut.check('webhook.disabled', {})).toEqual({ ok: false, reason: 'platform_type' });
  });

  it('should validate an added type against its JSON Schema, naming the field', () => {
    sut.apply(completed(1, siteSchema));
    const data = { site_id: 'cm1', extra: [1] };
    expect(sut.check('deployment.completed', data)).toEqual({ ok: true, data });
    expect(sut.check('deployment.completed', { duration_seconds: 'slow' })).toEqual({
      ok: false,
      reason: 'invalid_data',
      issues: expect.arrayContaining([
        { path: ['site_id'], message: expect.any(String) },
        { path: ['duration_seconds'], message: expect.any(String) },
      ]),
    });
  });

  it('should take a newer version and ignore an older one', () => {
    const strict = { ...siteSchema, required: ['site_id', 'duration_seconds'] };
    sut.apply(completed(2, strict));
    sut.apply(completed(1, siteSchema));
    expect(sut.check('deployment.completed', { site_id: 'cm1' }).ok).toBe(false);
    sut.apply(completed(3, siteSchema));
    expect(sut.check('deployment.completed', { site_id: 'cm1' }).ok).toBe(true);
  });

  it('should keep the zod rule of a built-in type until a later version replaces it', () => {
    const name = 'ignite.deployment.deleted';
    const state = { ...completed(BUILT_IN_VERSION, { type: 'object' }), name, built_in: true };
    sut.apply(state);
    expect(sut.check(name, { deployment_id: 7 }).ok).toBe(false);
    sut.apply({ ...state, version: BUILT_IN_VERSION + 1 });
    expect(sut.check(name, { deployment_id: 7 }).ok).toBe(true);
  });
});

describe('CatalogChangelog', () => {
  it('should key a state by its name and read it back', () => {
    const state = completed(1, siteSchema);
    const message = CatalogChangelog.message(state);
    expect(message.key).toBe('deployment.completed');
    expect(CatalogChangelog.decode(message.value)).toEqual(state);
  });
});
