/**
 * Jobs: completed work and the customer's satisfaction score, which decides an invitation.
 * The feature's front door: other features import only from here.
 */
export { jobRoutes } from './job.routes.js';
