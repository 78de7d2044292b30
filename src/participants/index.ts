/**
 * Participants: referrers and referred customers, their identity signals and links.
 * The feature's front door: other features import only from here.
 */
export { emailDomain, firstName, normalizeEmail, normalizeLoose, normalizePhone } from './identity.core.js';
export {
  addSignals,
  findParticipant,
  findParticipantByCode,
  findParticipantByEmail,
  findParticipantByExternalId,
  findParticipantByPhone,
  lockParticipant,
  type ParticipantRow,
} from './participant.repo.js';
export { participantRoutes } from './participant.routes.js';
export { type ParticipantCreate, ParticipantCreateSchema } from './participant.schema.js';
export {
  createParticipantAndLink,
  insertParticipant,
  insertParticipants,
  type ParticipantHooks,
  updateParticipantAndLink,
} from './participant.service.js';
export {
  addSignalsMany,
  findParticipantsByIds,
  lockParticipantsInOrder,
  signalsOfParticipants,
} from './participant-batch.repo.js';
