import { useEffect, useState } from 'react';

/** The console's pages. Routes live in the URL's hash so the server only serves index.html. */
export type Route =
  | { page: 'webhooks' }
  | { page: 'new-webhook' }
  | { page: 'webhook'; id: string }
  | { page: 'delivery'; id: string }
  | { page: 'deliveries' }
  | { page: 'event-types' };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').split('?')[0] ?? '';
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'webhooks' && parts[1] === 'new') return { page: 'new-webhook' };
  if (parts[0] === 'webhooks' && parts[1]) return { page: 'webhook', id: parts[1] };
  if (parts[0] === 'deliveries' && parts[1]) return { page: 'delivery', id: parts[1] };
  if (parts[0] === 'deliveries') return { page: 'deliveries' };
  if (parts[0] === 'event-types') return { page: 'event-types' };
  return { page: 'webhooks' };
}

export function href(route: Route): string {
  switch (route.page) {
    case 'webhooks':
      return '#/webhooks';
    case 'new-webhook':
      return '#/webhooks/new';
    case 'webhook':
      return `#/webhooks/${encodeURIComponent(route.id)}`;
    case 'delivery':
      return `#/deliveries/${encodeURIComponent(route.id)}`;
    case 'deliveries':
      return '#/deliveries';
    case 'event-types':
      return '#/event-types';
  }
}

export function navigate(route: Route): void {
  window.location.hash = href(route);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
