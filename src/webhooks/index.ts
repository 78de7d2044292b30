/**
 * Webhooks out: endpoints a workspace registers, events written to an outbox in the transaction
 * that made the change, and a dispatcher that signs (Standard Webhooks) and delivers them.
 * The feature's front door: other features import only from here.
 */
export { enqueueWebhookEvent, enqueueWebhookEvents } from './outbox.repo.js';
export { webhookEndpointRoutes } from './webhook.routes.js';
export {
  createWebhookDispatcher,
  type WebhookDataRenderer,
  type WebhookDispatcher,
} from './webhook-dispatcher.js';
export { rewardEventFor, WEBHOOK_EVENT_TYPES, type WebhookEventType } from './webhook-event.core.js';
