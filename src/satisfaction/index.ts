/**
 * Satisfaction: the thank-you's rating page, referrer satisfaction and the growth funnel.
 * The feature's front door: other features import only from here.
 */
export { ratingPageRoutes } from './rating-page.routes.js';
export { satisfactionRoutes } from './satisfaction.routes.js';
