import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { ClientContext } from './api/client-context';
import { consoleClient, isUnauthorized } from './api/console-client';
import { DeliveryPage } from './deliveries/delivery.page';
import { href, useRoute } from './routing/hash-route';
import { sessionStore, type ConsoleSession } from './session/session.store';
import { SignInPage } from './sign-in/sign-in.page';
import { NewWebhookPage } from './webhooks/new-webhook.page';
import { WebhookPage } from './webhooks/webhook.page';
import { WebhooksListPage } from './webhooks/webhooks-list.page';

export function App() {
  const [session, setSession] = useState<ConsoleSession | null>(() => sessionStore.read());
  const signOut = () => {
    sessionStore.clear();
    setSession(null);
  };
  const queries = useMemo(
    () =>
      new QueryClient({
        // A key revoked while the console is open: back to the sign-in page.
        queryCache: new QueryCache({ onError: (e) => isUnauthorized(e) && signOut() }),
        defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: false } },
      }),
    // One cache per session, so nothing read with one key shows under another.
    [session?.token],
  );
  const client = useMemo(() => (session ? consoleClient(session.token) : null), [session]);

  if (!session || !client) {
    return (
      <SignInPage
        onSignedIn={(s) => {
          sessionStore.write(s);
          setSession(s);
        }}
      />
    );
  }
  return (
    <QueryClientProvider client={queries}>
      <ClientContext.Provider value={client}>
        <header className="top">
          <a className="brand" href={href({ page: 'webhooks' })}>
            Hookline
          </a>
          <nav>
            <a href={href({ page: 'webhooks' })}>Webhooks</a>
          </nav>
          <button type="button" className="secondary" onClick={signOut}>
            Sign out
          </button>
        </header>
        <Pages />
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
  }
}
