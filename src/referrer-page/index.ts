/**
 * Referrer page: each participant's private page (/p/{token}) with their link, QR code,
 * referrals and rewards, and the staff's routes to find and rotate it.
 * The feature's front door: other features import only from here.
 */
export { referrerPageRoutes } from './referrer-page.routes.js';
