/**
 * Messaging: the outbox, templates, consent, providers and their webhooks.
 * The feature's front door: other features import only from here.
 */
export { createDispatcher } from './dispatcher.js';
export { presentMessage } from './message.presenter.js';
export { messagingRoutes } from './messaging.routes.js';
export {
  type MessageRow,
  queueReferrerMessages,
  queueRewardReady,
  readRatingToken,
  verifyRatingToken,
} from './outbox.service.js';
export { outboxHealth } from './outbox-status.repo.js';
export { describeProviders, providersFromConfig } from './providers/index.js';
export { parseScore, RATING_SCORES } from './rating.core.js';
export { ratingOf, recordRating } from './rating.repo.js';
export {
  formatClock,
  inSendWindow,
  isTimeZone,
  nextSendTime,
  parseClock,
  type SendWindow,
  sendWindowOf,
} from './send-window.core.js';
export { parseSender, type Sender } from './sender.core.js';
export { queueStaffNotice } from './staff-notice.service.js';
export { type WebhookSecrets, webhookRoutes } from './webhook.routes.js';
