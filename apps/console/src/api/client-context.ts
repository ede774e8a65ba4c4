import { createContext, useContext } from 'react';
import type { HooklineClient } from '@hookline/sdk';

export const ClientContext = createContext<HooklineClient | null>(null);

/** The signed-in client; every page below the sign-in has one. */
export function useClient(): HooklineClient {
  const client = useContext(ClientContext);
  if (!client) throw new Error('useClient outside a signed-in console');
  return client;
}
