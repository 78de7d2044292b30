import { and, desc, eq } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { invitations, jobs, messages } from '../db/schema.js';

export type JobRow = typeof jobs.$inferSelect;
export type InvitationRow = typeof invitations.$inferSelect;

export async function lockJobByExternalId(db: Executor, workspaceId: string, externalId: string) {
  const rows = await db
    .select()
    .from(jobs)
    .where(and(eq(jobs.workspaceId, workspaceId), eq(jobs.externalId, externalId)))
    .for('update');
  return rows[0];
}

export async function invitationOfJob(db: Executor, workspaceId: string, jobId: string) {
  const rows = await db
    .select()
    .from(invitations)
    .where(and(eq(invitations.workspaceId, workspaceId), eq(invitations.jobId, jobId)));
  return rows[0];
}

/** The customer's latest invitation: what the cooldown is measured from. */
export async function latestInvitationOf(db: Executor, workspaceId: string, participantId: string) {
  const rows = await db
    .select()
    .from(invitations)
    .where(and(eq(invitations.workspaceId, workspaceId), eq(invitations.participantId, participantId)))
    .orderBy(desc(invitations.createdAt))
    .limit(1);
  return rows[0];
}

/** An invitation's outbox rows: queued with it, for its customer, in the same instant. */
export async function invitationMessages(db: Executor, invitation: InvitationRow) {
  return db
    .select({ channel: messages.channel, status: messages.status, skipReason: messages.skipReason })
    .from(messages)
    .where(
      and(
        eq(messages.workspaceId, invitation.workspaceId),
        eq(messages.participantId, invitation.participantId),
        eq(messages.kind, 'invitation'),
        eq(messages.createdAt, invitation.createdAt),
      ),
    )
    .orderBy(messages.channel);
}
