import { href, parseRoute, type Route } from './hash-route';

describe('parseRoute', () => {
  it('should read every page back from the link it makes', () => {
    const routes: Route[] = [
      { page: 'webhooks' },
      { page: 'new-webhook' },
      { page: 'webhook', id: 'wh_1' },
      { page: 'delivery', id: 'msg_2' },
      { page: 'deliveries' },
      { page: 'event-types' },
    ];
    for (const route of routes) expect(parseRoute(href(route))).toEqual(route);
  });

  it('should fall back to the webhook list on an unknown or empty hash', () => {
    expect(parseRoute('')).toEqual({ page: 'webhooks' });
    expect(parseRoute('#/nowhere')).toEqual({ page: 'webhooks' });
  });
});
