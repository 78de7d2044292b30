/**
 * Integrations: Stripe and HubSpot post their events here and they become participants,
 * referrals and conversions; Tremendous' connection (its key kept encrypted) orders gift cards.
 * The feature's front door: other features import only from here.
 */
export { integrationRoutes, integrationWebhookRoutes } from './integration.routes.js';
export {
  hasTremendous,
  type IntegrationDeps,
  tremendousConnection,
} from './integration.service.js';
