import { HooklineApiError, HooklineClient, HooklineConnectionError } from '@hookline/sdk';

/** The SDK against the registry that served the console (same origin). */
export function consoleClient(token: string): HooklineClient {
  return new HooklineClient({ baseUrl: window.location.origin, apiKey: token });
}

/** The SDK as the operator (admin token), for the projects view. */
export function operatorClient(adminToken: string): HooklineClient {
  return new HooklineClient({ baseUrl: window.location.origin, adminToken });
}

/** An error in words: the API's own message and each field it names, or why it was unreachable. */
export function errorText(error: unknown): string {
  if (error instanceof HooklineApiError) {
    const body = error.body?.error;
    if (!body) return `The API answered ${error.status}.`;
    const fields = body.details.map((d) => `${d.field}: ${d.message}`);
    return [body.message, ...fields].join(' — ');
  }
  if (error instanceof HooklineConnectionError) return 'The API cannot be reached.';
  return error instanceof Error ? error.message : String(error);
}

export function isUnauthorized(error: unknown): boolean {
  return error instanceof HooklineApiError && error.status === 401;
}
