/**
 * Ordering a gift card from a provider, as decisions: what the provider's answer means for the
 * order and the reward, when to try again, and which external id a round orders under.
 */
export const FULFILMENT_PROVIDERS = ['tremendous'] as const;
export type FulfilmentProvider = (typeof FULFILMENT_PROVIDERS)[number];

/**
 * queued: to be ordered; ordering: a job holds it (lease); waiting: the provider has the order
 * but has not executed it (PENDING APPROVAL), re-checked later; executed: done, the reward is
 * sent; failed: refused or given up, the reward is in the Failed lane.
 */
export const FULFILMENT_ORDER_STATUSES = ['queued', 'ordering', 'waiting', 'executed', 'failed'] as const;
export type FulfilmentOrderStatus = (typeof FULFILMENT_ORDER_STATUSES)[number];

/** Statuses during which a reward is in the provider's hands: never in a payout batch too. */
export const ORDER_IN_PROGRESS: readonly FulfilmentOrderStatus[] = ['queued', 'ordering', 'waiting', 'executed'];
