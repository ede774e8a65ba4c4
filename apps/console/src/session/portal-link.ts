const PORTAL_HASH = /^#\/portal\/(hlp_[A-Za-z0-9_-]+)$/;

/**
 * The token of a portal link (`/console/#/portal/hlp_…`), taken out of the address bar at once so
 * it is neither kept in the history nor shown on screen; null when the page was not opened by one.
 */
export function takePortalToken(): string | null {
  const match = PORTAL_HASH.exec(window.location.hash);
  if (!match) return null;
  window.history.replaceState(null, '', `${window.location.pathname}#/webhooks`);
  return match[1]!;
}
