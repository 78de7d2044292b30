/**
 * Partners: partner exceptions (a rule of their own, with owner, reason and expiry).
 * The feature's front door: other features import only from here.
 */
export { exceptionRoutes } from './exception.routes.js';
