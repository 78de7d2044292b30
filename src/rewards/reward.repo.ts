import { and, desc, eq, inArray, isNull, lt, or, type SQL, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Executor } from '../db/client.js';
import { rowsOf } from '../db/json-rows.js';
import {
  conversions,
  participants,
  partnerExceptions,
  rewardApprovals,
  rewardFlags,
  rewardMakers,
  rewards,
} from '../db/schema.js';
import { countRewardTransition } from '../ops/index.js';
import type { Cursor } from '../shared/pagination.js';
import { enqueueWebhookEvent } from '../webhooks/index.js';
import type { ApprovalFacts, ExceptionAuthorFact, MakerFact, MakerReason } from './approval.core.js';
import { type RewardStatus, STATUS_SETS, type StatusSet } from './lifecycle.core.js';

export type RewardRow = typeof rewards.$inferSelect;
export type RewardInsert = typeof rewards.$inferInsert;
export type FlagRow = typeof rewardFlags.$inferSelect;
export type ApprovalRow = typeof rewardApprovals.$inferSelect;

/**
 * A named status set (lifecycle.core.ts) as an SQL list for hand-written queries. The values are
 * the core's constants, never input, so they are inlined as literals (the planner sees them).
 */
export function statusList(set: StatusSet): SQL {
  return sql.raw(STATUS_SETS[set].map((status) => `'${status}'`).join(', '));
}

export function statusIn(set: StatusSet) {
  return inArray(rewards.status, [...STATUS_SETS[set]]);
}

const byId = (workspaceId: string, id: string) => and(eq(rewards.workspaceId, workspaceId), eq(rewards.id, id));

/** Inserts unless the customer or the conversion already has a live claim (the unique indexes). */
export async function insertRewardIfFree(db: Executor, values: RewardInsert): Promise<RewardRow | undefined> {
  const rows = await db.insert(rewards).values(values).onConflictDoNothing().returning();
  if (rows[0])
    await enqueueWebhookEvent(db, {
      workspaceId: values.workspaceId,
      type: 'reward.created',
      objectId: values.id,
      at: rows[0].createdAt,
    });
  return rows[0];
}

export async function findReward(db: Executor, workspaceId: string, id: string) {
  const rows = await db.select().from(rewards).where(byId(workspaceId, id)).limit(1);
  return rows[0];
}

export async function lockReward(db: Executor, workspaceId: string, id: string) {
  const rows = await db.select().from(rewards).where(byId(workspaceId, id)).for('update');
  return rows[0];
}

/** The live (not reversed) referrer's claim for a referred customer in a program: there is at most one. */
export async function findLiveRewardForReferred(
  db: Executor,
  workspaceId: string,
  programId: string,
  referredId: string,
) {
  const rows = await db
    .select()
    .from(rewards)
    .where(
      and(
        eq(rewards.workspaceId, workspaceId),
        eq(rewards.programId, programId),
        eq(rewards.referredId, referredId),
        eq(rewards.kind, 'referral'),
        statusIn('live'),
      ),
    )
    .limit(1);
  return rows[0];
}

/** The referred person's own rewards that came with a referrer's claim (they follow it to another referral). */
export async function referredRewardsWith(db: Executor, trigger: Pick<RewardRow, 'workspaceId' | 'id'>) {
  const rows = await db
    .select({ id: rewards.id })
    .from(rewards)
    .where(
      and(
        eq(rewards.workspaceId, trigger.workspaceId),
        eq(rewards.sourceRewardId, trigger.id),
        eq(rewards.kind, 'referred'),
      ),
    )
    .orderBy(rewards.createdAt, rewards.id);
  return rows.map((row) => row.id);
}

/**
 * Who made the referrer's claims that count toward a milestone (their creators and the recorders
 * of their referrals): they built the bonus's count, so none of them approves the bonus.
 */
export async function countedClaimMakers(db: Executor, workspaceId: string, programId: string, referrerId: string) {
  return rowsOf<{ maker_id: string; maker_name: string; reason: 'created' | 'attributed' }>(
    await db.execute(sql`
      select distinct on (m.maker_id, m.reason) m.maker_id, m.maker_name, m.reason
      from rewards r join reward_makers m on m.workspace_id = r.workspace_id and m.reward_id = r.id
      where r.workspace_id = ${workspaceId} and r.program_id = ${programId} and r.referrer_id = ${referrerId}
        and r.kind = 'referral' and r.status in (${statusList('countsTowardTier')})
        and m.reason in ('created', 'attributed')
      order by m.maker_id, m.reason`),
  );
}

/** The milestones a referrer has a live bonus for (each pays once; a voided bonus can be earned again). */
export async function milestonesPaidTo(db: Executor, workspaceId: string, programId: string, referrerId: string) {
  const rows = await db
    .select({ milestone: rewards.milestone })
    .from(rewards)
    .where(
      and(
        eq(rewards.workspaceId, workspaceId),
        eq(rewards.programId, programId),
        eq(rewards.referrerId, referrerId),
        eq(rewards.kind, 'milestone'),
        statusIn('live'),
      ),
    );
  return new Set(rows.flatMap((row) => (row.milestone === null ? [] : [row.milestone])));
}

/**
 * The claims not yet paid nor closed (in review, approved, failed) that a participant's details
 * decide: those paying them, and those they are the referrer of (whether they may refer).
 */
export async function openClaimsOfParticipant(db: Executor, workspaceId: string, participantId: string) {
  return db
    .select({ id: rewards.id, status: rewards.status, payeeId: rewards.payeeId })
    .from(rewards)
    .where(
      and(
        eq(rewards.workspaceId, workspaceId),
        or(eq(rewards.payeeId, participantId), eq(rewards.referrerId, participantId)),
        statusIn('open'),
      ),
    )
    .orderBy(rewards.createdAt, rewards.id);
}

export async function rewardsForConversion(db: Executor, workspaceId: string, conversionId: string) {
  return db
    .select()
    .from(rewards)
    .where(and(eq(rewards.workspaceId, workspaceId), eq(rewards.conversionId, conversionId)))
    .orderBy(rewards.createdAt);
}

/**
 * A conditional update: changes the claim only if it is still in one of `from`. Returns nothing
 * when another request moved it first, which is how concurrent actions end up one winner.
 */
export async function updateRewardFrom(
  db: Executor,
  workspaceId: string,
  id: string,
  from: readonly RewardStatus[],
  changes: Partial<RewardInsert>,
): Promise<RewardRow | undefined> {
  const rows = await db
    .update(rewards)
    .set(changes)
    .where(and(byId(workspaceId, id), inArray(rewards.status, [...from])))
    .returning();
  countRewardTransition(from, changes.status, rows.length > 0); // inside the caller's transaction: see /metrics help
  return rows[0];
}

export async function updateReward(db: Executor, workspaceId: string, id: string, changes: Partial<RewardInsert>) {
  const rows = await db.update(rewards).set(changes).where(byId(workspaceId, id)).returning();
  return rows[0];
}

export async function flagsFor(db: Executor, workspaceId: string, rewardIds: string[]) {
  if (rewardIds.length === 0) return [];
  return db
    .select()
    .from(rewardFlags)
    .where(and(eq(rewardFlags.workspaceId, workspaceId), inArray(rewardFlags.rewardId, rewardIds)))
    .orderBy(rewardFlags.createdAt, rewardFlags.id);
}

export async function openFlagsFor(db: Executor, workspaceId: string, rewardId: string) {
  return db
    .select()
    .from(rewardFlags)
    .where(
      and(eq(rewardFlags.workspaceId, workspaceId), eq(rewardFlags.rewardId, rewardId), isNull(rewardFlags.resolvedAt)),
    );
}

export async function approvalsFor(db: Executor, workspaceId: string, rewardIds: string[]) {
  if (rewardIds.length === 0) return [];
  return db
    .select()
    .from(rewardApprovals)
    .where(and(eq(rewardApprovals.workspaceId, workspaceId), inArray(rewardApprovals.rewardId, rewardIds)))
    .orderBy(rewardApprovals.createdAt);
}

/** Records who made a claim what it is (maker-checker); recording the same fact twice is a no-op. */
export async function recordMakers(
  db: Executor,
  workspaceId: string,
  rewardId: string,
  makers: { makerId: string; makerName: string; reason: MakerReason; round: number; detail?: string }[],
  at: Date,
) {
  if (makers.length === 0) return;
  await db
    .insert(rewardMakers)
    .values(makers.map((maker) => ({ workspaceId, rewardId, detail: null, ...maker, createdAt: at })))
    .onConflictDoNothing();
}

export async function makersFor(db: Executor, workspaceId: string, rewardIds: string[]) {
  if (rewardIds.length === 0) return new Map<string, MakerFact[]>();
  const rows = await db
    .select()
    .from(rewardMakers)
    .where(and(eq(rewardMakers.workspaceId, workspaceId), inArray(rewardMakers.rewardId, rewardIds)))
    .orderBy(rewardMakers.createdAt);
  const byReward = new Map<string, MakerFact[]>();
  for (const row of rows) {
    const list = byReward.get(row.rewardId) ?? [];
    list.push({ makerId: row.makerId, makerName: row.makerName, reason: row.reason, round: row.round });
    byReward.set(row.rewardId, list);
  }
  return byReward;
}

/** Partner exceptions of these referrers, with who wrote them (for maker-checker). */
export async function exceptionAuthorsFor(db: Executor, workspaceId: string, referrerIds: string[]) {
  const byReferrer = new Map<string, ExceptionAuthorFact[]>();
  if (referrerIds.length === 0) return byReferrer;
  const rows = await db
    .select()
    .from(partnerExceptions)
    .where(and(eq(partnerExceptions.workspaceId, workspaceId), inArray(partnerExceptions.participantId, referrerIds)));
  for (const row of rows) {
    const list = byReferrer.get(row.participantId) ?? [];
    list.push({
      exceptionId: row.id,
      authorId: row.createdById,
      authorName: row.createdBy,
      expiresAt: row.expiresAt,
      revokedAt: row.revokedAt,
    });
    byReferrer.set(row.participantId, list);
  }
  return byReferrer;
}

/**
 * The facts the approval decision needs for each claim (makers, exceptions, flags, approvals),
 * in four set-based queries whatever the number of claims.
 */
export async function loadApprovalFacts(
  db: Executor,
  workspaceId: string,
  claims: RewardRow[],
  rules: (claim: RewardRow) => ApprovalFacts['rules'],
): Promise<Map<string, ApprovalFacts>> {
  const ids = claims.map((claim) => claim.id);
  // One after another: inside a transaction they share one connection (pg refuses overlapping
  // queries on a client).
  const makers = await makersFor(db, workspaceId, ids);
  const exceptions = await exceptionAuthorsFor(db, workspaceId, [...new Set(claims.map((claim) => claim.referrerId))]);
  const flags = await flagsFor(db, workspaceId, ids);
  const approvals = await approvalsFor(db, workspaceId, ids);
  const settled = await settledClaimCounts(
    db,
    workspaceId,
    claims.filter((claim) => claim.kind === 'milestone'),
  );
  return new Map(
    claims.map((claim) => [
      claim.id,
      {
        reward: claim,
        rules: rules(claim),
        makers: makers.get(claim.id) ?? [],
        exceptions: exceptions.get(claim.referrerId) ?? [],
        openFlags: flags
          .filter((flag) => flag.rewardId === claim.id && flag.resolvedAt === null)
          .map((flag) => ({ id: flag.id, type: flag.type })),
        approvals: approvals.filter((approval) => approval.rewardId === claim.id),
        milestone:
          claim.kind === 'milestone' && claim.milestone !== null
            ? { atReferral: claim.milestone, settled: settled.get(`${claim.programId}:${claim.referrerId}`) ?? 0 }
            : undefined,
      },
    ]),
  );
}

/** The referrers' claims a person has settled (approved, paid, failed at fulfilment, or declined), per program. */
async function settledClaimCounts(db: Executor, workspaceId: string, bonuses: RewardRow[]) {
  const out = new Map<string, number>();
  if (bonuses.length === 0) return out;
  const pairs = JSON.stringify(
    [...new Set(bonuses.map((b) => `${b.programId}:${b.referrerId}`))].map((key) => key.split(':')),
  );
  // Driven from the asked pairs through rewards_referrer_idx: a filter on the concatenated key
  // could use no index and read every referrer's claims in the workspace.
  const rows = rowsOf<{ key: string; n: number }>(
    await db.execute(sql`
      select q.program_id || ':' || q.referrer_id as key, count(*)::int as n
      from (select distinct x ->> 0 as program_id, x ->> 1 as referrer_id from jsonb_array_elements(${pairs}::jsonb) x) q
      join rewards r on r.workspace_id = ${workspaceId} and r.referrer_id = q.referrer_id and r.program_id = q.program_id
      where r.kind = 'referral' and r.status in (${statusList('settled')})
      group by 1`),
  );
  for (const row of rows) out.set(row.key, Number(row.n));
  return out;
}

const referrer = alias(participants, 'referrer');
const referred = alias(participants, 'referred');

/** Claims joined with the people and the conversion they are about: what every claim view shows. */
// What a claim's presentation shows of its people and its sale: only these columns are read (a
// page of claims or a batch's answers then maps a fraction of the values).
const personColumns = (table: typeof referrer | typeof referred) => ({
  id: table.id,
  name: table.name,
  email: table.email,
  phone: table.phone,
  kind: table.kind,
});

function selectRewardsWithPeople(db: Executor) {
  return (
    db
      .select({
        reward: rewards,
        referrer: personColumns(referrer),
        referred: personColumns(referred),
        conversion: {
          id: conversions.id,
          externalId: conversions.externalId,
          source: conversions.source,
          type: conversions.type,
          amount: conversions.amount,
          currency: conversions.currency,
          occurredAt: conversions.occurredAt,
        },
      })
      .from(rewards)
      .innerJoin(referrer, and(eq(referrer.workspaceId, rewards.workspaceId), eq(referrer.id, rewards.referrerId)))
      .innerJoin(referred, and(eq(referred.workspaceId, rewards.workspaceId), eq(referred.id, rewards.referredId)))
      // Left: a reward given at the lead has no sale.
      .leftJoin(
        conversions,
        and(eq(conversions.workspaceId, rewards.workspaceId), eq(conversions.id, rewards.conversionId)),
      )
  );
}

export interface RewardListFilter {
  status?: RewardStatus[] | undefined;
  referrerId?: string | undefined;
  referredId?: string | undefined;
  participantId?: string | undefined;
}

/** Claims with the people and the conversion they are about, newest first (keyset paging). */
export async function listRewardRows(
  db: Executor,
  workspaceId: string,
  filter: RewardListFilter,
  page: { limit: number; after?: Cursor | undefined; oldestFirst?: boolean },
) {
  const conditions: SQL[] = [eq(rewards.workspaceId, workspaceId)];
  if (filter.status?.length) conditions.push(inArray(rewards.status, filter.status));
  if (filter.referrerId) conditions.push(eq(rewards.referrerId, filter.referrerId));
  if (filter.referredId) conditions.push(eq(rewards.referredId, filter.referredId));
  if (filter.participantId) {
    const either = or(eq(rewards.referrerId, filter.participantId), eq(rewards.referredId, filter.participantId));
    if (either) conditions.push(either);
  }
  if (page.after) {
    const after = page.oldestFirst
      ? or(
          sql`${rewards.createdAt} > ${page.after.createdAt.toISOString()}`,
          and(eq(rewards.createdAt, page.after.createdAt), sql`${rewards.id} > ${page.after.id}`),
        )
      : or(
          lt(rewards.createdAt, page.after.createdAt),
          and(eq(rewards.createdAt, page.after.createdAt), lt(rewards.id, page.after.id)),
        );
    if (after) conditions.push(after);
  }
  return selectRewardsWithPeople(db)
    .where(and(...conditions))
    .orderBy(...(page.oldestFirst ? [rewards.createdAt, rewards.id] : [desc(rewards.createdAt), desc(rewards.id)]))
    .limit(page.limit + 1);
}

export type RewardListRow = Awaited<ReturnType<typeof listRewardRows>>[number];

export async function rewardRowsByIds(db: Executor, workspaceId: string, ids: string[]) {
  if (ids.length === 0) return [];
  return selectRewardsWithPeople(db).where(and(eq(rewards.workspaceId, workspaceId), inArray(rewards.id, ids)));
}
