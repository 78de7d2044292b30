/**
 * Invitations: asking a satisfied customer to refer, once per cooldown, through the outbox.
 * The feature's front door: other features import only from here.
 */
export { decideInvitation, INVITE_DECISIONS, type InviteDecision } from './invitation.core.js';
export { queueInvitation } from './invitation.service.js';
