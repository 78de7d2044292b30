import { recordAudit } from '../audit/index.js';
import type { Executor } from '../db/client.js';
import type { Deps } from '../deps.js';
import { systemActor } from '../shared/actor.js';
import { readUnsubscribeToken, verifyUnsubscribeToken } from './outbox.service.js';
import { SMS_RATING_WINDOW_MS } from './rating.core.js';
import { latestThankYouTextTo, recordRating } from './rating.repo.js';
import {
  consentEventsOf,
  findMessageByProviderId,
  findParticipantIn,
  findWorkspaceRow,
  participantsWithPhone,
  rememberDelivery,
  setConsent,
  updateMessage,
} from './webhook.repo.js';

const TWILIO_DELIVERED = new Set(['delivered']);
const WEBHOOK_RECEIPT_TTL_MS = 86_400_000;
const TWILIO_FAILED = new Set(['undelivered', 'failed']);

/** Whether the participant's SMS consent was last taken away by a STOP text (not by staff or never given). */
async function lastSmsConsentChangeWasStop(tx: Executor, workspaceId: string, participantId: string): Promise<boolean> {
  const events = await consentEventsOf(tx, workspaceId, participantId);
  const last = events.find(
    (event) => event.action !== 'participant.updated' || (event.after && 'smsMarketingConsent' in event.after),
  );
  return last?.action === 'participant.sms_consent_revoked' && last.actorName === 'Inbound SMS';
}

/** An inbound STOP or START text changes the sender's SMS consent in every workspace. */
export async function applySmsKeyword(
  deps: Deps,
  input: { from: string; consent: boolean; body: string; messageSid: string | undefined },
) {
  const { from, consent } = input;
  const at = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    const people = await participantsWithPhone(tx, from);
    for (const person of people) {
      if (person.smsMarketingConsent === consent) continue;
      // START undoes a STOP; it never gives consent that was not given before.
      if (consent && !(await lastSmsConsentChangeWasStop(tx, person.workspaceId, person.id))) continue;
      await setConsent(tx, person.workspaceId, person.id, { smsMarketingConsent: consent, updatedAt: at });
      await recordAudit(tx, systemActor(person.workspaceId, 'Inbound SMS'), at, {
        action: consent ? 'participant.sms_consent_given' : 'participant.sms_consent_revoked',
        objectType: 'participant',
        objectId: person.id,
        before: { smsMarketingConsent: !consent },
        after: {
          smsMarketingConsent: consent,
          keyword: input.body.trim().toUpperCase(),
          messageSid: input.messageSid ?? null,
        },
      });
    }
  });
}

/**
 * A digit texted back after a thank-you is its rating (1-5) of exactly one text: the latest
 * thank-you this number got in the last 30 days, whichever workspace sent it (never every
 * workspace's: B's answer must not land on A's report); a later digit changes it.
 */
export async function applySmsRating(
  deps: Deps,
  input: { from: string; score: number; messageSid: string | undefined },
) {
  const at = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    const message = await latestThankYouTextTo(tx, input.from, new Date(at.getTime() - SMS_RATING_WINDOW_MS));
    if (!message) return;
    const rating = await recordRating(tx, {
      workspaceId: message.workspaceId,
      messageId: message.id,
      score: input.score,
      via: 'sms_reply',
      at,
    });
    if (!rating) return;
    await recordAudit(tx, systemActor(message.workspaceId, 'Inbound SMS'), at, {
      action: 'referrer.rated',
      objectType: 'message',
      objectId: message.id,
      after: {
        score: input.score,
        via: 'sms_reply',
        participantId: message.participantId,
        messageSid: input.messageSid ?? null,
      },
    });
  });
}

/** Twilio's delivery report: delivered, or failed (error 21610 means the number opted out). */
export async function applyTwilioStatus(
  deps: Deps,
  input: { sid: string; status: string; errorCode: string | undefined },
) {
  const { sid, status } = input;
  const at = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    const message = await findMessageByProviderId(tx, 'twilio', sid);
    if (!message) return;
    if (TWILIO_DELIVERED.has(status) && message.status === 'sent') {
      await updateMessage(tx, message.workspaceId, message.id, { status: 'delivered', deliveredAt: at });
    } else if (TWILIO_FAILED.has(status) && (message.status === 'sent' || message.status === 'delivered')) {
      await updateMessage(tx, message.workspaceId, message.id, {
        status: 'failed',
        failedAt: at,
        lastError: `Twilio reports ${status}${input.errorCode ? ` (error ${input.errorCode})` : ''}`,
      });
      if (input.errorCode === '21610' && message.participantId) {
        await setConsent(tx, message.workspaceId, message.participantId, { smsMarketingConsent: false, updatedAt: at });
      }
    } else {
      return;
    }
    await recordAudit(tx, systemActor(message.workspaceId, 'Twilio'), at, {
      action: `message.${TWILIO_DELIVERED.has(status) ? 'delivered' : 'failed'}`,
      objectType: 'message',
      objectId: message.id,
      after: { status, errorCode: input.errorCode ?? null },
    });
  });
}

/** Resend's email events; false when this delivery was applied before (a replay). */
export async function applyResendEvent(
  deps: Deps,
  input: { deliveryId: string; event: { type?: string; data?: { email_id?: string } } | undefined },
): Promise<boolean> {
  const { event } = input;
  const emailId = event?.data?.email_id;
  const at = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    // A signed request can be replayed while its timestamp is fresh: each delivery id is
    // applied once, in the transaction that applies it, remembered in the database (so across
    // processes and restarts) for a day, far beyond the 5-minute tolerance.
    const fresh = await rememberDelivery(
      tx,
      { provider: 'resend', deliveryId: input.deliveryId, receivedAt: at },
      new Date(at.getTime() - WEBHOOK_RECEIPT_TTL_MS),
    );
    if (!fresh) return false;
    if (!emailId || !event?.type) return true;
    const message = await findMessageByProviderId(tx, 'resend', emailId);
    if (!message) return true;
    if (event.type === 'email.delivered' && message.status === 'sent') {
      await updateMessage(tx, message.workspaceId, message.id, { status: 'delivered', deliveredAt: at });
    } else if (event.type === 'email.bounced' && message.status !== 'failed') {
      await updateMessage(tx, message.workspaceId, message.id, {
        status: 'failed',
        failedAt: at,
        lastError: 'Resend reports a bounce',
      });
    } else if (event.type === 'email.complained' && message.participantId) {
      // A spam complaint is the strongest unsubscribe there is.
      await setConsent(tx, message.workspaceId, message.participantId, { emailMarketingConsent: false, updatedAt: at });
    } else {
      return true;
    }
    await recordAudit(tx, systemActor(message.workspaceId, 'Resend'), at, {
      action: `message.${event.type?.replace('email.', '')}`,
      objectType: 'message',
      objectId: message.id,
      after: { event: event.type },
    });
    return true;
  });
}

/** The workspace and person an unsubscribe link names, if its signature holds. */
export async function unsubscribeTarget(deps: Deps, token: string) {
  const parsed = readUnsubscribeToken(token);
  if (!parsed) return undefined;
  const workspace = await findWorkspaceRow(deps.db, parsed.workspaceId);
  if (!workspace || !verifyUnsubscribeToken(workspace, token)) return undefined;
  const person = await findParticipantIn(deps.db, workspace.id, parsed.participantId);
  return person ? { workspace, person } : undefined;
}

export async function unsubscribe(
  deps: Deps,
  target: { workspace: { id: string }; person: { id: string; emailMarketingConsent: boolean } },
) {
  if (!target.person.emailMarketingConsent) return;
  const at = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    await setConsent(tx, target.workspace.id, target.person.id, { emailMarketingConsent: false, updatedAt: at });
    await recordAudit(tx, systemActor(target.workspace.id, 'Unsubscribe link'), at, {
      action: 'participant.email_consent_revoked',
      objectType: 'participant',
      objectId: target.person.id,
      before: { emailMarketingConsent: true },
      after: { emailMarketingConsent: false },
    });
  });
}
