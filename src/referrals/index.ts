/**
 * Referrals: who referred whom (links, codes, by hand) and the landing pages.
 * The feature's front door: other features import only from here.
 */
export { landingRoutes } from './landing.routes.js';
export { referralRoutes } from './referral.routes.js';
export { REFERRAL_SOURCES, ReferralCreateSchema } from './referral.schema.js';
export { attributeCustomer, createReferral, insertReferrals } from './referral.service.js';
