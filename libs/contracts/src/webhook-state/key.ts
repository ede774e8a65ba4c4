export const webhookStateKey = (webhookId: string): string => webhookId;
