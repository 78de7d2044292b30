/**
 * Fulfilment: gift cards ordered from a provider (Tremendous) for approved rewards, as a
 * crash-safe job, with the manual fallback (the Failed lane) when the provider refuses.
 * The feature's front door: other features import only from here.
 */
export { describeOrder, FULFILMENT_ORDER_STATUSES, type FulfilmentOrderStatus } from './fulfilment.core.js';
export { createFulfilmentJob, type FulfilmentJob } from './fulfilment.job.js';
export { fulfilmentEffect } from './fulfilment.service.js';
