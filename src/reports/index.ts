/**
 * Reports: the dashboard and the eligibility-accuracy audit figure.
 * The feature's front door: other features import only from here.
 */
export { dashboardRoutes } from './dashboard.routes.js';
export { reportRoutes } from './eligibility-accuracy.routes.js';
