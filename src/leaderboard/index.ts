/**
 * Leaderboard: referrers ranked by closed referrals, and the optional privacy-safe public page.
 * The feature's front door: other features import only from here.
 */
export { leaderboardRoutes } from './leaderboard.routes.js';
