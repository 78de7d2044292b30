import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { participants, referrals, rewards, workspaces } from '../db/schema.js';

/** The page's owner by its token (global lookup, participants_page_token_idx), with their workspace. */
export async function findByPageToken(db: Executor, token: string) {
  const rows = await db
    .select({ participant: participants, workspace: workspaces })
    .from(participants)
    .innerJoin(workspaces, eq(workspaces.id, participants.workspaceId))
    .where(eq(participants.pageToken, token))
    .limit(1);
  return rows[0];
}

/** Only this referrer's own rows: counts and their rewards, never who they referred. */
export async function referrerFacts(db: Executor, workspaceId: string, participantId: string) {
  const [made] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(referrals)
    .where(
      and(eq(referrals.workspaceId, workspaceId), eq(referrals.referrerId, participantId), isNull(referrals.voidedAt)),
    );
  const own = await db
    .select({
      summary: rewards.summary,
      status: rewards.status,
      amount: rewards.amount,
      currency: rewards.currency,
      createdAt: rewards.createdAt,
    })
    .from(rewards)
    // Everything paid to them: for referring, their bonuses, and their own reward as someone referred.
    .where(and(eq(rewards.workspaceId, workspaceId), eq(rewards.payeeId, participantId)))
    .orderBy(asc(rewards.createdAt))
    .limit(200);
  return { referralsMade: Number(made?.n ?? 0), rewards: own };
}

export async function setPageToken(db: Executor, workspaceId: string, participantId: string, token: string) {
  const rows = await db
    .update(participants)
    .set({ pageToken: token })
    .where(and(eq(participants.workspaceId, workspaceId), eq(participants.id, participantId)))
    .returning({ id: participants.id });
  return rows[0];
}
