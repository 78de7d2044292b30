/**
 * Payouts: finance's monthly payout batches (draft, maker-checker approval, export, mark paid),
 * tax forms and the tax report.
 * The feature's front door: other features import only from here.
 */
export { payoutBatchEffect } from './payout-batch.effect.js';
export { payoutBatchRoutes } from './payout-batch.routes.js';
export { PayoutBatchSchema } from './payout-batch.schema.js';
export { draftDueBatches, getBatch } from './payout-batch.service.js';
export { taxRoutes } from './tax.routes.js';
