/**
 * Disputes: attribution disputes, opened by the claim engine or by hand, resolved by a person.
 * The feature's front door: other features import only from here.
 */
export { disputeRoutes } from './dispute.routes.js';
export { getDispute, openDispute } from './dispute.service.js';
