/**
 * Approvals: the queue of claims waiting for a decision.
 * The feature's front door: other features import only from here.
 */
export { approvalRoutes } from './approval.routes.js';
