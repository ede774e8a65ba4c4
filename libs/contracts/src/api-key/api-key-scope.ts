/** What an API key may do: `full` every route of its project, `read` GET routes only. */
export const API_KEY_SCOPES = ['full', 'read'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];
