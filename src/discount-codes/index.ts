/**
 * Discount codes: generated or taken from an uploaded pool when a discount_code reward is
 * approved, redeemed once. The feature's front door: other features import only from here.
 */
export { discountCodePoolRoutes, discountCodeRoutes } from './discount-code.routes.js';
export { discountCodeEffect, participantCodes } from './discount-code.service.js';
