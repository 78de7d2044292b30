/**
 * Integrations: Stripe and HubSpot post their events here and they become participants,
 * referrals and conversions.
 * The feature's front door: other features import only from here.
 */
export { integrationRoutes, integrationWebhookRoutes } from './integration.routes.js';
export type { IntegrationDeps } from './integration.service.js';
