/**
 * Corrections: undoing a wrongly logged referral, and what hangs on it.
 * The feature's front door: other features import only from here.
 */
export { correctionRoutes } from './correction.routes.js';
