import { generatePortalToken, isWrite, portalMayReach } from './portal-session.token';

describe('portal tokens', () => {
  it('should be prefixed and unguessable', () => {
    const a = generatePortalToken();
    expect(a).toMatch(/^hlp_[A-Za-z0-9_-]{43}$/);
    expect(generatePortalToken()).not.toBe(a);
  });

  it('should reach webhooks and deliveries only', () => {
    for (const path of [
      '/v1/webhooks',
      '/v1/webhooks/wh_1/deliveries',
      '/v1/deliveries/msg_1/redeliver',
      '/v1/portal-sessions/current',
    ])
      expect(portalMayReach(path)).toBe(true);
    for (const path of [
      '/v1/api-keys',
      '/v1/events',
      '/v1/portal-sessions',
      '/v1/webhooksx',
      '/v1/projects',
    ])
      expect(portalMayReach(path)).toBe(false);
  });

  it('should count every method but GET and HEAD as a write', () => {
    expect(['GET', 'HEAD'].map(isWrite)).toEqual([false, false]);
    expect(['POST', 'PATCH', 'DELETE', 'PUT'].map(isWrite)).toEqual([true, true, true, true]);
  });
});
