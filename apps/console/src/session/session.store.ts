import type { PortalSession } from '@hookline/sdk';

/** Who the console speaks as: a project API key typed in, or a portal link's token. */
export interface ConsoleSession {
  token: string;
  /** Set when signed in by a portal link: its project, read-only flag and expiry. */
  portal?: PortalSession;
  /** The token is HOOKLINE_ADMIN_TOKEN: the operator's view (projects), no project. */
  admin?: boolean;
}

const KEY = 'hookline.console.session';

/**
 * Kept in sessionStorage: it survives a reload but not the tab, and is never written to a cookie,
 * so the API only ever sees it as a bearer token.
 */
export const sessionStore = {
  read(): ConsoleSession | null {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return null;
    try {
      const parsed = JSON.parse(raw) as ConsoleSession;
      return typeof parsed.token === 'string' ? parsed : null;
    } catch {
      return null;
    }
  },
  write(session: ConsoleSession): void {
    sessionStorage.setItem(KEY, JSON.stringify(session));
  },
  clear(): void {
    sessionStorage.removeItem(KEY);
  },
};
