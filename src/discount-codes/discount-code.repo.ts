import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { rowsOf } from '../db/json-rows.js';
import { discountCodes, rewards } from '../db/schema.js';

export type DiscountCodeRow = typeof discountCodes.$inferSelect;

export async function findCode(db: Executor, workspaceId: string, code: string) {
  const [row] = await db
    .select()
    .from(discountCodes)
    .where(and(eq(discountCodes.workspaceId, workspaceId), eq(discountCodes.code, code)));
  return row;
}

/**
 * The next pool code, taken for a reward: oldest first, not expired, locked with SKIP LOCKED so
 * two approvals at once take two different codes (and the unique index on reward_id backs it).
 */
export async function takePoolCode(
  db: Executor,
  input: { workspaceId: string; rewardId: string; participantId: string; at: Date; expiresAt: Date | null },
): Promise<string | undefined> {
  const rows = rowsOf<{ code: string }>(
    await db.execute(sql`
      update discount_codes d set status = 'issued', reward_id = ${input.rewardId},
        participant_id = ${input.participantId}, issued_at = ${input.at.toISOString()}::timestamptz,
        expires_at = coalesce(d.expires_at, ${input.expiresAt?.toISOString() ?? null}::timestamptz)
      from (
        select workspace_id, code from discount_codes
        where workspace_id = ${input.workspaceId} and status = 'available'
          and (expires_at is null or expires_at > ${input.at.toISOString()}::timestamptz)
        order by created_at, code
        limit 1
        for update skip locked
      ) next
      where d.workspace_id = next.workspace_id and d.code = next.code
      returning d.code`),
  );
  return rows[0]?.code;
}

export async function insertCodes(db: Executor, rows: (typeof discountCodes.$inferInsert)[]) {
  for (let i = 0; i < rows.length; i += 1000) await db.insert(discountCodes).values(rows.slice(i, i + 1000));
}

/** The codes of a list that already exist in the workspace (an upload refuses them). */
export async function existingCodes(db: Executor, workspaceId: string, codes: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < codes.length; i += 1000) {
    const rows = await db
      .select({ code: discountCodes.code })
      .from(discountCodes)
      .where(and(eq(discountCodes.workspaceId, workspaceId), inArray(discountCodes.code, codes.slice(i, i + 1000))));
    for (const row of rows) found.add(row.code);
  }
  return found;
}

/** Puts a reward's code on the reward itself (answers, the thank-you, the participant page). */
export async function setRewardCode(db: Executor, workspaceId: string, rewardId: string, code: string) {
  await db
    .update(rewards)
    .set({ discountCode: code })
    .where(and(eq(rewards.workspaceId, workspaceId), eq(rewards.id, rewardId)));
}

/** Approved discount-code rewards still without a code (the pool was empty), oldest approval first, locked. */
export async function rewardsWaitingForCodes(db: Executor, workspaceId: string, limit: number) {
  return db
    .select({ id: rewards.id, payeeId: rewards.payeeId, programId: rewards.programId })
    .from(rewards)
    .where(
      and(
        eq(rewards.workspaceId, workspaceId),
        eq(rewards.rewardType, 'discount_code'),
        inArray(rewards.status, ['pending', 'failed']),
        sql`${rewards.discountCode} is null`,
      ),
    )
    .orderBy(asc(rewards.approvedAt), asc(rewards.id))
    .limit(limit)
    .for('update', { skipLocked: true });
}

export async function poolCounts(db: Executor, workspaceId: string) {
  const rows = rowsOf<{ status: string; source: string; n: number }>(
    await db.execute(sql`
      select status, source, count(*)::int as n from discount_codes where workspace_id = ${workspaceId}
      group by status, source`),
  );
  const [waiting] = rowsOf<{ n: number }>(
    await db.execute(sql`
      select count(*)::int as n from rewards where workspace_id = ${workspaceId} and reward_type = 'discount_code'
        and status in ('pending', 'failed') and discount_code is null`),
  );
  const count = (status: string, source?: string) =>
    rows
      .filter((row) => row.status === status && (source === undefined || row.source === source))
      .reduce((sum, row) => sum + Number(row.n), 0);
  return {
    available: count('available'),
    issuedFromPool: count('issued', 'pool') + count('redeemed', 'pool'),
    redeemed: count('redeemed'),
    waitingRewards: Number(waiting?.n ?? 0),
  };
}

/** A participant's codes, each with its reward's status (a closed reward's code is void). */
export async function codesOfParticipant(db: Executor, workspaceId: string, participantId: string) {
  const rows = await db
    .select({ code: discountCodes, rewardStatus: rewards.status })
    .from(discountCodes)
    .leftJoin(rewards, and(eq(rewards.workspaceId, discountCodes.workspaceId), eq(rewards.id, discountCodes.rewardId)))
    .where(and(eq(discountCodes.workspaceId, workspaceId), eq(discountCodes.participantId, participantId)))
    .orderBy(desc(discountCodes.issuedAt))
    .limit(500);
  return rows.map((row) => ({ ...row.code, rewardStatus: row.rewardStatus as string | null }));
}

/**
 * The status of a code's reward, locked: a redemption and a reversal of the reward take turns,
 * so a code is never redeemed after its reward was reversed (nor the reversal blind to it).
 */
export async function lockRewardStatus(db: Executor, workspaceId: string, rewardId: string) {
  const [row] = await db
    .select({ status: rewards.status })
    .from(rewards)
    .where(and(eq(rewards.workspaceId, workspaceId), eq(rewards.id, rewardId)))
    .for('update');
  return row?.status ?? null;
}

/** The issued, not yet redeemed code of a reward, if any. */
export async function issuedCodeOfReward(db: Executor, workspaceId: string, rewardId: string) {
  const [row] = await db
    .select()
    .from(discountCodes)
    .where(
      and(
        eq(discountCodes.workspaceId, workspaceId),
        eq(discountCodes.rewardId, rewardId),
        eq(discountCodes.status, 'issued'),
      ),
    );
  return row;
}

/** Marks an issued code redeemed; undefined when it was not issued any more (someone redeemed it first). */
export async function markRedeemed(
  db: Executor,
  input: { workspaceId: string; code: string; reference: string; at: Date },
): Promise<DiscountCodeRow | undefined> {
  const [row] = await db
    .update(discountCodes)
    .set({ status: 'redeemed', redeemedAt: input.at, redeemedReference: input.reference })
    .where(
      and(
        eq(discountCodes.workspaceId, input.workspaceId),
        eq(discountCodes.code, input.code),
        eq(discountCodes.status, 'issued'),
      ),
    )
    .returning();
  return row;
}
