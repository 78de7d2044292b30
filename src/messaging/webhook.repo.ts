import { and, desc, eq, inArray, lt } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { auditEvents, messages, participants, webhookReceipts, workspaces } from '../db/schema.js';

/** The latest consent-bearing audit events of a participant, newest first. */
export async function consentEventsOf(db: Executor, workspaceId: string, participantId: string) {
  return db
    .select()
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.workspaceId, workspaceId),
        eq(auditEvents.objectType, 'participant'),
        eq(auditEvents.objectId, participantId),
        inArray(auditEvents.action, [
          'participant.sms_consent_revoked',
          'participant.sms_consent_given',
          'participant.updated',
          'participant.created',
        ]),
      ),
    )
    .orderBy(desc(auditEvents.createdAt), desc(auditEvents.id))
    .limit(50);
}

/** The number is the person, in every workspace that texts from this account. */
export async function participantsWithPhone(db: Executor, phone: string) {
  return db.select().from(participants).where(eq(participants.phone, phone));
}

export async function findParticipantIn(db: Executor, workspaceId: string, id: string) {
  const [person] = await db
    .select()
    .from(participants)
    .where(and(eq(participants.workspaceId, workspaceId), eq(participants.id, id)));
  return person;
}

export async function setConsent(
  db: Executor,
  workspaceId: string,
  participantId: string,
  changes: { smsMarketingConsent?: boolean; emailMarketingConsent?: boolean; updatedAt: Date },
) {
  await db
    .update(participants)
    .set(changes)
    .where(and(eq(participants.workspaceId, workspaceId), eq(participants.id, participantId)));
}

export async function findMessageByProviderId(db: Executor, provider: 'twilio' | 'resend', providerMessageId: string) {
  const [message] = await db
    .select()
    .from(messages)
    .where(and(eq(messages.providerMessageId, providerMessageId), eq(messages.provider, provider)));
  return message;
}

export async function updateMessage(
  db: Executor,
  workspaceId: string,
  id: string,
  changes: Partial<typeof messages.$inferInsert>,
) {
  await db
    .update(messages)
    .set(changes)
    .where(and(eq(messages.workspaceId, workspaceId), eq(messages.id, id)));
}

/**
 * Remembers a delivery id, forgetting those older than `forgetBefore`; false when it was seen
 * already (a replay).
 */
export async function rememberDelivery(
  db: Executor,
  receipt: { provider: string; deliveryId: string; receivedAt: Date },
  forgetBefore: Date,
) {
  await db.delete(webhookReceipts).where(lt(webhookReceipts.receivedAt, forgetBefore));
  const inserted = await db
    .insert(webhookReceipts)
    .values(receipt)
    .onConflictDoNothing()
    .returning({ deliveryId: webhookReceipts.deliveryId });
  return inserted.length > 0;
}

export async function findWorkspaceRow(db: Executor, id: string) {
  const [workspace] = await db.select().from(workspaces).where(eq(workspaces.id, id));
  return workspace;
}
