/**
 * The claim facts of a whole batch of events, loaded set-based (a fixed number of round trips
 * whatever the batch's size), and the rows a batch's new claims leave, written with multi-row
 * statements. The decisions are pure (claim.core.ts); what a claim was judged on is what is read
 * here, exactly as claim-context.repo.ts reads it for one event.
 */
import { and, desc, eq, gte, inArray, isNull, sql } from 'drizzle-orm';
import { recordAuditMany } from '../audit/index.js';
import { insertRows } from '../db/bulk.js';
import type { Executor, Tx } from '../db/client.js';
import {
  conversions,
  disputes,
  linkClicks,
  participants,
  partnerExceptions,
  referrals,
  rewardFlags,
  rewardMakers,
  rewards,
} from '../db/schema.js';
import type { Actor } from '../shared/actor.js';
import { enqueueWebhookEvents } from '../webhooks/index.js';
import type { MakerReason } from './approval.core.js';
import type { ClickRow, CustomerFacts, DisputeRow, ExceptionRow, ReferralWithReferrer } from './claim-context.core.js';
import { STATUS_SETS } from './lifecycle.core.js';
import type { FlagRow, RewardRow } from './reward.repo.js';
import { type PayeeTaxFacts, taxFactsFor } from './tax-facts.repo.js';

export interface CustomerBatchFacts {
  liveReward: CustomerFacts['liveReward'];
  referrals: ReferralWithReferrer[];
  clicks: ClickRow[];
  dispute: DisputeRow | null;
  conversions: CustomerFacts['earlier'];
}

/** Every live referral of these customers (a voided one attributes nothing), first touch first, with the referrer's name and kind. */
export async function referralsOfCustomers(db: Executor, workspaceId: string, referredIds: string[]) {
  const byCustomer = new Map<string, ReferralWithReferrer[]>();
  if (referredIds.length === 0) return byCustomer;
  const rows = await db
    .select({ referral: referrals, referrerName: participants.name, referrerKind: participants.kind })
    .from(referrals)
    .innerJoin(
      participants,
      and(eq(participants.workspaceId, referrals.workspaceId), eq(participants.id, referrals.referrerId)),
    )
    .where(
      and(
        eq(referrals.workspaceId, workspaceId),
        inArray(referrals.referredId, referredIds),
        isNull(referrals.voidedAt),
      ),
    )
    .orderBy(referrals.referredAt, referrals.createdAt, referrals.id);
  for (const row of rows) {
    const list = byCustomer.get(row.referral.referredId) ?? [];
    list.push(row);
    byCustomer.set(row.referral.referredId, list);
  }
  return byCustomer;
}

/** The customers' facts: live claim, referrals, clicks, latest dispute, qualifying conversions. */
export async function loadCustomersFacts(
  db: Executor,
  input: { workspaceId: string; programId: string; referredIds: string[]; qualifyingTypes: string[] },
): Promise<Map<string, CustomerBatchFacts>> {
  const { workspaceId: ws, programId, referredIds } = input;
  const out = new Map<string, CustomerBatchFacts>();
  if (referredIds.length === 0) return out;
  for (const id of referredIds) {
    out.set(id, { liveReward: null, referrals: [], clicks: [], dispute: null, conversions: [] });
  }
  // One after another: a transaction is one connection, and the driver queues them anyway.
  const referralRows = await referralsOfCustomers(db, ws, referredIds);
  const live = await db
    .select({
      id: rewards.id,
      status: rewards.status,
      conversionId: rewards.conversionId,
      referredId: rewards.referredId,
    })
    .from(rewards)
    .where(
      and(
        eq(rewards.workspaceId, ws),
        eq(rewards.programId, programId),
        inArray(rewards.referredId, referredIds),
        inArray(rewards.status, [...STATUS_SETS.live]),
      ),
    );
  const clicks = await db
    .select()
    .from(linkClicks)
    .where(and(eq(linkClicks.workspaceId, ws), inArray(linkClicks.referredId, referredIds)));
  const latestDisputes = await db
    .selectDistinctOn([disputes.referredId])
    .from(disputes)
    .where(and(eq(disputes.workspaceId, ws), inArray(disputes.referredId, referredIds)))
    .orderBy(disputes.referredId, sql`${disputes.status} = 'open' desc`, desc(disputes.createdAt));
  const sales =
    input.qualifyingTypes.length === 0
      ? []
      : await db
          .select({
            id: conversions.id,
            externalId: conversions.externalId,
            source: conversions.source,
            type: conversions.type,
            amount: conversions.amount,
            currency: conversions.currency,
            occurredAt: conversions.occurredAt,
            referredId: conversions.referredId,
          })
          .from(conversions)
          .where(
            and(
              eq(conversions.workspaceId, ws),
              inArray(conversions.referredId, referredIds),
              sql`${conversions.type}::text in (select jsonb_array_elements_text(${JSON.stringify(input.qualifyingTypes)}::jsonb))`,
            ),
          )
          .orderBy(conversions.occurredAt, conversions.id);
  for (const [id, list] of referralRows) {
    const facts = out.get(id);
    if (facts) facts.referrals = list;
  }
  for (const row of live) {
    const facts = out.get(row.referredId);
    if (facts) facts.liveReward = { id: row.id, status: row.status, conversionId: row.conversionId };
  }
  for (const row of clicks) {
    const facts = row.referredId ? out.get(row.referredId) : undefined;
    facts?.clicks.push(row);
  }
  for (const row of latestDisputes) {
    const facts = out.get(row.referredId);
    if (facts) facts.dispute = row;
  }
  for (const { referredId, ...row } of sales) {
    const facts = referredId ? out.get(referredId) : undefined;
    facts?.conversions.push(row);
  }
  return out;
}

export interface ReferrerBatchFacts {
  lifetime: number;
  sameMonth: number;
  claimsInWindow: number;
  referralsInWindow: number;
  exceptions: ExceptionRow[];
  /** Their tax year (the tax form check). */
  tax?: PayeeTaxFacts | undefined;
}

/** The referrers' claim counts (tier ordinal, caps, velocity) and partner exceptions. */
export async function loadReferrersFacts(
  db: Executor,
  input: { workspaceId: string; programId: string; referrerIds: string[]; monthStart: Date; windowStart: Date },
): Promise<Map<string, ReferrerBatchFacts>> {
  const { workspaceId: ws, programId, referrerIds } = input;
  const out = new Map<string, ReferrerBatchFacts>();
  if (referrerIds.length === 0) return out;
  for (const id of referrerIds) {
    out.set(id, { lifetime: 0, sameMonth: 0, claimsInWindow: 0, referralsInWindow: 0, exceptions: [] });
  }
  const counting = sql.raw(STATUS_SETS.countsTowardTier.map((status) => `'${status}'`).join(', '));
  const claimCounts = await db
    .select({
      referrerId: rewards.referrerId,
      lifetime: sql<number>`count(*) filter (where ${rewards.programId} = ${programId} and ${rewards.status} in (${counting}))::int`,
      sameMonth: sql<number>`count(*) filter (where ${rewards.programId} = ${programId} and ${rewards.status} in (${counting}) and ${rewards.createdAt} >= ${input.monthStart.toISOString()}::timestamptz)::int`,
      inWindow: sql<number>`count(*) filter (where ${rewards.createdAt} >= ${input.windowStart.toISOString()}::timestamptz)::int`,
    })
    .from(rewards)
    .where(and(eq(rewards.workspaceId, ws), inArray(rewards.referrerId, referrerIds)))
    .groupBy(rewards.referrerId);
  const referralCounts = await db
    .select({ referrerId: referrals.referrerId, count: sql<number>`count(*)::int` })
    .from(referrals)
    .where(
      and(
        eq(referrals.workspaceId, ws),
        inArray(referrals.referrerId, referrerIds),
        gte(referrals.createdAt, input.windowStart),
      ),
    )
    .groupBy(referrals.referrerId);
  const exceptions = await db
    .select()
    .from(partnerExceptions)
    .where(and(eq(partnerExceptions.workspaceId, ws), inArray(partnerExceptions.participantId, referrerIds)))
    .orderBy(desc(partnerExceptions.createdAt));
  for (const row of claimCounts) {
    const facts = out.get(row.referrerId);
    if (!facts) continue;
    facts.lifetime = Number(row.lifetime);
    facts.sameMonth = Number(row.sameMonth);
    facts.claimsInWindow = Number(row.inWindow);
  }
  for (const row of referralCounts) {
    const facts = out.get(row.referrerId);
    if (facts) facts.referralsInWindow = Number(row.count);
  }
  for (const row of exceptions) out.get(row.participantId)?.exceptions.push(row);
  const year = input.monthStart.getUTCFullYear();
  const tax = await taxFactsFor(db, ws, referrerIds, [year]);
  for (const [id, facts] of out) facts.tax = tax.get(`${id}:${year}`);
  return out;
}

/** Clicks in the velocity window from each of these addresses and devices. */
export async function clickCounts(
  db: Executor,
  input: { workspaceId: string; ips: string[]; devices: string[]; windowStart: Date },
) {
  const byIp = new Map<string, number>();
  const byDevice = new Map<string, number>();
  const ws = input.workspaceId;
  if (input.ips.length > 0) {
    const rows = await db
      .select({ key: linkClicks.ip, count: sql<number>`count(*)::int` })
      .from(linkClicks)
      .where(
        and(
          eq(linkClicks.workspaceId, ws),
          inArray(linkClicks.ip, input.ips),
          gte(linkClicks.landedAt, input.windowStart),
        ),
      )
      .groupBy(linkClicks.ip);
    for (const row of rows) if (row.key) byIp.set(row.key, Number(row.count));
  }
  if (input.devices.length > 0) {
    const rows = await db
      .select({ key: linkClicks.deviceId, count: sql<number>`count(*)::int` })
      .from(linkClicks)
      .where(
        and(
          eq(linkClicks.workspaceId, ws),
          inArray(linkClicks.deviceId, input.devices),
          gte(linkClicks.landedAt, input.windowStart),
        ),
      )
      .groupBy(linkClicks.deviceId);
    for (const row of rows) if (row.key) byDevice.set(row.key, Number(row.count));
  }
  return { byIp, byDevice };
}

export interface NewClaim {
  actor: Actor;
  row: RewardRow;
  flags: FlagRow[];
  makers: { makerId: string; makerName: string; reason: MakerReason; round: number; detail?: string }[];
  audit: { action: string; objectType: string; objectId: string; after: Record<string, unknown> };
}

/**
 * Writes a batch's new claims: rows, flags, makers, audit and outbox events, a statement per kind
 * (per chunk). The customers' rows are locked by the caller, so no claim can lose a race here;
 * if one does anyway the batch fails whole and is re-run event by event.
 */
export async function insertNewClaims(tx: Tx, workspaceId: string, claims: NewClaim[], at: Date): Promise<void> {
  if (claims.length === 0) return;
  const rows = claims.map((claim) => claim.row);
  if ((await insertRows(tx, rewards, rows, { onConflictDoNothing: true })) !== rows.length) {
    throw new Error('a claim of the batch lost a race for its customer');
  }
  const flags = claims.flatMap((claim) => claim.flags);
  await insertRows(tx, rewardFlags, flags);
  const makers = claims.flatMap((claim) =>
    claim.makers.map((maker) => ({ workspaceId, rewardId: claim.row.id, detail: null, ...maker, createdAt: at })),
  );
  await insertRows(tx, rewardMakers, makers, { onConflictDoNothing: true });
  await recordAuditMany(
    tx,
    at,
    claims.map((claim) => ({ actor: claim.actor, entry: claim.audit })),
  );
  await enqueueWebhookEvents(
    tx,
    workspaceId,
    rows.map((row) => ({ type: 'reward.created' as const, objectId: row.id, at })),
  );
}
