import { and, eq, isNull } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { referrals, rewards } from '../db/schema.js';

export type ReferralRow = typeof referrals.$inferSelect;

export async function findReferralRow(db: Executor, workspaceId: string, id: string, lock = false) {
  const query = db
    .select()
    .from(referrals)
    .where(and(eq(referrals.workspaceId, workspaceId), eq(referrals.id, id)));
  const rows = lock ? await query.for('update') : await query;
  return rows[0];
}

/** The rewards made through a referral (any status: the reversed stay for the record). */
export async function rewardIdsOfReferral(db: Executor, workspaceId: string, referralId: string) {
  const rows = await db
    .select({ id: rewards.id })
    .from(rewards)
    .where(and(eq(rewards.workspaceId, workspaceId), eq(rewards.referralId, referralId)))
    .orderBy(rewards.createdAt);
  return rows.map((row) => row.id);
}

/** The customer's referrals that still stand. */
export async function liveReferralIdsOf(db: Executor, workspaceId: string, referredId: string) {
  const rows = await db
    .select({ id: referrals.id })
    .from(referrals)
    .where(
      and(eq(referrals.workspaceId, workspaceId), eq(referrals.referredId, referredId), isNull(referrals.voidedAt)),
    )
    .orderBy(referrals.createdAt, referrals.id);
  return rows.map((row) => row.id);
}
