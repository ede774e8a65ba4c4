import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { ClientContext } from './api/client-context';
import { consoleClient, errorText, isUnauthorized, operatorClient } from './api/console-client';
import { formatTime } from './components/common.components';
import { DeliveriesPage } from './deliveries/deliveries.page';
import { DeliveryPage } from './deliveries/delivery.page';
import { EventTypesPage } from './event-types/event-types.page';
import { OperatorPage } from './operator/operator.page';
import { href, useRoute } from './routing/hash-route';
import { takePortalToken } from './session/portal-link';
import { ReadOnlyContext } from './session/read-only-context';
import { sessionStore, type ConsoleSession } from './session/session.store';
import { SignInPage } from './sign-in/sign-in.page';
import { NewWebhookPage } from './webhooks/new-webhook.page';
import { WebhookPage } from './webhooks/webhook.page';
import { WebhooksListPage } from './webhooks/webhooks-list.page';

export function App() {
  const [portalToken] = useState(takePortalToken);
  const [session, setSession] = useState<ConsoleSession | null>(() =>
    portalToken ? null : sessionStore.read(),
  );
  const [notice, setNotice] = useState<string | null>(null);
  const signIn = (s: ConsoleSession) => {
    sessionStore.write(s);
    setNotice(null);
    setSession(s);
  };
  const signOut = (why?: string) => {
    sessionStore.clear();
    setNotice(why ?? null);
    setSession(null);
  };

  // A portal link signs in by itself: its token is checked, then kept like a typed-in key.
  useEffect(() => {
    if (!portalToken) return;
    consoleClient(portalToken)
      .portalSessions.current()
      .then((portal) => signIn({ token: portalToken, portal }))
      .catch((e: unknown) =>
        signOut(`This portal link does not open the console: ${errorText(e)}`),
      );
  }, [portalToken]);

  const queries = useMemo(
    () =>
      new QueryClient({
        // A key revoked or a link expired while the console is open: back to the sign-in page.
        queryCache: new QueryCache({
          onError: (e) => isUnauthorized(e) && signOut(`Signed out: ${errorText(e)}`),
        }),
        defaultOptions: {
          queries: {
            retry: (failures, e) => failures < 1 && !isUnauthorized(e),
            refetchOnWindowFocus: false,
          },
        },
      }),
    // One cache per session, so nothing read with one key shows under another.
    [session?.token],
  );
  const client = useMemo(
    () => (session && !session.admin ? consoleClient(session.token) : null),
    [session],
  );
  const operator = useMemo(
    () => (session?.admin ? operatorClient(session.token) : null),
    [session],
  );

  if (portalToken && !session && !notice) return <p className="muted">Opening the portal…</p>;
  if (session && operator)
    return (
      <QueryClientProvider client={queries}>
        <header className="top">
          <span className="brand">Hookline · operator</span>
          <button type="button" className="secondary" onClick={() => signOut()}>
            Sign out
          </button>
        </header>
        <OperatorPage client={operator} />
      </QueryClientProvider>
    );
  if (!session || !client) return <SignInPage notice={notice} onSignedIn={signIn} />;
  const portal = session.portal;
  return (
    <QueryClientProvider client={queries}>
      <ClientContext.Provider value={client}>
        <ReadOnlyContext.Provider value={!!portal?.read_only}>
          <header className="top">
            <a className="brand" href={href({ page: 'webhooks' })}>
              Hookline
            </a>
            <nav>
              <a href={href({ page: 'webhooks' })}>Webhooks</a>
              <a href={href({ page: 'deliveries' })}>Deliveries</a>
              <a href={href({ page: 'event-types' })}>Event catalog</a>
            </nav>
            <button type="button" className="secondary" onClick={() => signOut()}>
              Sign out
            </button>
          </header>
          {portal && (
            <p className="portal-banner" role="note">
              Portal link{portal.read_only ? ' (read-only: changes are turned off)' : ''} · valid
              until {formatTime(portal.expires_at)}
            </p>
          )}
          <Pages />
        </ReadOnlyContext.Provider>
      </ClientContext.Provider>
    </QueryClientProvider>
  );
}

function Pages() {
  const route = useRoute();
  switch (route.page) {
    case 'webhooks':
      return <WebhooksListPage />;
    case 'new-webhook':
      return <NewWebhookPage />;
    case 'webhook':
      return <WebhookPage key={route.id} id={route.id} />;
    case 'delivery':
      return <DeliveryPage key={route.id} id={route.id} />;
    case 'deliveries':
      return <DeliveriesPage />;
    case 'event-types':
      return <EventTypesPage />;
  }
}
