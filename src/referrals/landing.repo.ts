import { and, eq } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { linkClicks, referrals } from '../db/schema.js';

export async function insertClick(db: Executor, values: typeof linkClicks.$inferInsert) {
  await db.insert(linkClicks).values(values);
}

/** The click a lead form carries, if it was a click on this referrer's link. */
export async function findClickOfReferrer(db: Executor, workspaceId: string, clickId: string, referrerId: string) {
  const [click] = await db
    .select()
    .from(linkClicks)
    .where(
      and(eq(linkClicks.workspaceId, workspaceId), eq(linkClicks.id, clickId), eq(linkClicks.referrerId, referrerId)),
    );
  return click;
}

export async function linkClickToReferred(db: Executor, workspaceId: string, clickId: string, referredId: string) {
  await db
    .update(linkClicks)
    .set({ referredId })
    .where(and(eq(linkClicks.workspaceId, workspaceId), eq(linkClicks.id, clickId)));
}

export async function findReferralBetween(db: Executor, workspaceId: string, referrerId: string, referredId: string) {
  const [row] = await db
    .select({ id: referrals.id })
    .from(referrals)
    .where(
      and(
        eq(referrals.workspaceId, workspaceId),
        eq(referrals.referrerId, referrerId),
        eq(referrals.referredId, referredId),
      ),
    );
  return row;
}
