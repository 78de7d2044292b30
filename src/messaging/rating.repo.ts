import { and, desc, eq, gt, inArray } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { messages, participants, referrerRatings } from '../db/schema.js';

/**
 * Records (or changes) the rating answering one thank-you message: one row per message, so a
 * second click or a second text replaces the first. Only a thank-you to a participant can be
 * rated; anything else answers null.
 */
export async function recordRating(
  db: Executor,
  input: { workspaceId: string; messageId: string; score: number; via: 'email_link' | 'sms_reply'; at: Date },
) {
  const [message] = await db
    .select({ participantId: messages.participantId, rewardId: messages.rewardId, kind: messages.kind })
    .from(messages)
    .where(and(eq(messages.workspaceId, input.workspaceId), eq(messages.id, input.messageId)));
  if (message?.kind !== 'thank_you' || !message.participantId) return null;
  const [row] = await db
    .insert(referrerRatings)
    .values({
      workspaceId: input.workspaceId,
      messageId: input.messageId,
      participantId: message.participantId,
      rewardId: message.rewardId,
      score: input.score,
      via: input.via,
      createdAt: input.at,
      updatedAt: input.at,
    })
    .onConflictDoUpdate({
      target: [referrerRatings.workspaceId, referrerRatings.messageId],
      set: { score: input.score, via: input.via, updatedAt: input.at },
    })
    .returning();
  return row ?? null;
}

export async function ratingOf(db: Executor, workspaceId: string, messageId: string) {
  const [row] = await db
    .select()
    .from(referrerRatings)
    .where(and(eq(referrerRatings.workspaceId, workspaceId), eq(referrerRatings.messageId, messageId)));
  return row;
}

/**
 * The one thank-you text a digit from `phone` answers: the latest that went out since `since` to
 * anyone with that number, in any workspace (a reply answers the last text its sender got; one
 * sender number serves every workspace, so the reply does not say which).
 */
export async function latestThankYouTextTo(db: Executor, phone: string, since: Date) {
  const [row] = await db
    .select({ workspaceId: messages.workspaceId, id: messages.id, participantId: participants.id })
    .from(messages)
    .innerJoin(
      participants,
      and(eq(participants.workspaceId, messages.workspaceId), eq(participants.id, messages.participantId)),
    )
    .where(
      and(
        eq(participants.phone, phone),
        eq(messages.kind, 'thank_you'),
        eq(messages.channel, 'sms'),
        inArray(messages.status, ['sent', 'delivered']),
        gt(messages.sentAt, since),
      ),
    )
    .orderBy(desc(messages.sentAt), desc(messages.id))
    .limit(1);
  return row;
}
