/** Delivery tasks are keyed by webhook id so one endpoint's tasks stay in order on one partition. */
export const deliveryTaskKey = (webhookId: string): string => webhookId;
