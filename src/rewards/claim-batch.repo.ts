/**
 * The claim facts of a whole batch of events, loaded set-based (a fixed number of round trips
 * whatever the batch's size), and the rows a batch's new claims leave, written with multi-row
 * statements. The decisions are pure (claim.core.ts); what a claim was judged on is what is read
 * here, exactly as claim-context.repo.ts reads it for one event.
 */
import { and, eq, gte, inArray, isNull, sql } from 'drizzle-orm';
import { recordAuditMany } from '../audit/index.js';
import { executeWithJson, insertRows } from '../db/bulk.js';
import type { Executor, Tx } from '../db/client.js';
import { fromJsonRow, fromJsonRows, rowsOf } from '../db/json-rows.js';
import { conversions, linkClicks, participants, referrals, rewardFlags, rewardMakers, rewards } from '../db/schema.js';
import type { Actor } from '../shared/actor.js';
import { enqueueWebhookEvents } from '../webhooks/index.js';
import type { MakerReason } from './approval.core.js';
import type {
  ClickRow,
  CustomerFacts,
  DisputeRow,
  ExceptionRow,
  ReferralRow,
  ReferralWithReferrer,
} from './claim-context.core.js';
import type { FlagRow, RewardRow } from './reward.repo.js';
import { statusList } from './reward.repo.js';
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
  // One round trip for every customer and every fact (a batch of one pays for round trips, not rows).
  const rows = rowsOf<{
    id: string;
    referrals: { referral: unknown; referrerName: string; referrerKind: ReferralWithReferrer['referrerKind'] }[];
    live_reward: unknown;
    clicks: unknown;
    dispute: unknown;
    conversions: unknown;
  }>(
    await db.execute(sql`
      select c.id,
        (select coalesce(jsonb_agg(jsonb_build_object('referral', to_jsonb(f), 'referrerName', p.name, 'referrerKind', p.kind)
                  order by f.referred_at, f.created_at, f.id), '[]'::jsonb)
          from referrals f join participants p on p.workspace_id = f.workspace_id and p.id = f.referrer_id
          where f.workspace_id = ${ws} and f.referred_id = c.id and f.voided_at is null) as referrals,
        (select jsonb_build_object('id', r.id, 'status', r.status, 'conversion_id', r.conversion_id) from rewards r
          where r.workspace_id = ${ws} and r.program_id = ${programId} and r.referred_id = c.id
            and r.status in (${statusList('live')}) and r.kind = 'referral' limit 1) as live_reward,
        (select coalesce(jsonb_agg(to_jsonb(k)), '[]'::jsonb) from link_clicks k
          where k.workspace_id = ${ws} and k.referred_id = c.id) as clicks,
        (select to_jsonb(d) from disputes d where d.workspace_id = ${ws} and d.referred_id = c.id
          order by (d.status = 'open') desc, d.created_at desc limit 1) as dispute,
        (select coalesce(jsonb_agg(jsonb_build_object('id', v.id, 'external_id', v.external_id, 'source', v.source,
                  'type', v.type, 'amount', v.amount, 'currency', v.currency, 'occurred_at', v.occurred_at)
                  order by v.occurred_at, v.id), '[]'::jsonb)
          from conversions v where v.workspace_id = ${ws} and v.referred_id = c.id
            and v.type::text in (select jsonb_array_elements_text(${JSON.stringify(input.qualifyingTypes)}::jsonb))) as conversions
      from jsonb_array_elements_text(${JSON.stringify([...new Set(referredIds)])}::jsonb) as c(id)`),
  );
  for (const row of rows) {
    out.set(row.id, {
      referrals: (row.referrals ?? []).map((item) => ({
        referral: fromJsonRow<ReferralRow>(item.referral),
        referrerName: item.referrerName,
        referrerKind: item.referrerKind,
      })),
      liveReward: fromJsonRow<CustomerFacts['liveReward']>(row.live_reward ?? null),
      clicks: fromJsonRows<ClickRow>(row.clicks),
      dispute: fromJsonRow<DisputeRow | null>(row.dispute ?? null),
      conversions: fromJsonRows<CustomerFacts['earlier'][number]>(row.conversions),
    });
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
  // Counts and exceptions of every referrer in one round trip.
  const rows = rowsOf<{
    id: string;
    lifetime: number;
    same_month: number;
    in_window: number;
    referrals_in_window: number;
    exceptions: unknown;
  }>(
    await db.execute(sql`
      select p.id,
        (select count(*) from rewards r where r.workspace_id = ${ws} and r.program_id = ${programId}
          and r.referrer_id = p.id and r.kind = 'referral' and r.status in (${statusList('countsTowardTier')}))::int as lifetime,
        (select count(*) from rewards r where r.workspace_id = ${ws} and r.program_id = ${programId}
          and r.referrer_id = p.id and r.kind = 'referral' and r.status in (${statusList('countsTowardTier')})
          and r.created_at >= ${input.monthStart.toISOString()}::timestamptz)::int as same_month,
        (select count(*) from rewards r where r.workspace_id = ${ws} and r.referrer_id = p.id and r.kind = 'referral'
          and r.created_at >= ${input.windowStart.toISOString()}::timestamptz)::int as in_window,
        (select count(*) from referrals f where f.workspace_id = ${ws} and f.referrer_id = p.id
          and f.created_at >= ${input.windowStart.toISOString()}::timestamptz)::int as referrals_in_window,
        (select coalesce(jsonb_agg(to_jsonb(e) order by e.created_at desc), '[]'::jsonb) from partner_exceptions e
          where e.workspace_id = ${ws} and e.participant_id = p.id) as exceptions
      from jsonb_array_elements_text(${JSON.stringify([...new Set(referrerIds)])}::jsonb) as p(id)`),
  );
  for (const row of rows) {
    const facts = out.get(row.id);
    if (!facts) continue;
    facts.lifetime = Number(row.lifetime);
    facts.sameMonth = Number(row.same_month);
    facts.claimsInWindow = Number(row.in_window);
    facts.referralsInWindow = Number(row.referrals_in_window);
    facts.exceptions = fromJsonRows<ExceptionRow>(row.exceptions);
  }
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

/** An open claim as a re-check reads it: its row, its sale, its flags. */
export interface OpenClaimFacts {
  row: RewardRow;
  conversion: typeof conversions.$inferSelect;
  flags: FlagRow[];
  /** Refunds already applied to its sale, in the order the one-event loader reads them. */
  reversals: CustomerFacts['reversals'];
}

/** The open claims of these customers, whole (the batch engine re-checks them in memory). */
export async function loadOpenClaims(db: Executor, workspaceId: string, rewardIds: string[]) {
  const out = new Map<string, OpenClaimFacts>();
  if (rewardIds.length === 0) return out;
  const rows = await db
    .select({ row: rewards, conversion: conversions })
    .from(rewards)
    .innerJoin(
      conversions,
      and(eq(conversions.workspaceId, rewards.workspaceId), eq(conversions.id, rewards.conversionId)),
    )
    .where(and(eq(rewards.workspaceId, workspaceId), inArray(rewards.id, rewardIds)))
    // Locked, as the one-event re-check locks its claim: an approval or a payout waits for the
    // batch, or the batch for it, and then reads the claim as it left it.
    .orderBy(rewards.id)
    .for('update', { of: rewards });
  const flags = await db
    .select()
    .from(rewardFlags)
    .where(and(eq(rewardFlags.workspaceId, workspaceId), inArray(rewardFlags.rewardId, rewardIds)))
    .orderBy(rewardFlags.createdAt, rewardFlags.id);
  // In the order loadCustomerFacts reads them: sale time, then the event's id byte by byte.
  const reversals = await db
    .select({
      of: conversions.reversesConversionId,
      id: conversions.id,
      externalId: conversions.externalId,
      type: conversions.type,
      amount: conversions.amount,
      occurredAt: conversions.occurredAt,
    })
    .from(conversions)
    .where(
      and(
        eq(conversions.workspaceId, workspaceId),
        inArray(
          conversions.reversesConversionId,
          rows.map((item) => item.conversion.id),
        ),
      ),
    )
    .orderBy(conversions.occurredAt, sql`${conversions.externalId} collate "C"`);
  const reversalsOf = new Map<string, CustomerFacts['reversals']>();
  for (const { of, ...reversal } of reversals) {
    if (!of) continue;
    reversalsOf.set(of, [...(reversalsOf.get(of) ?? []), reversal]);
  }
  for (const { row, conversion } of rows) {
    out.set(row.id, {
      row,
      conversion,
      flags: flags.filter((flag) => flag.rewardId === row.id),
      reversals: reversalsOf.get(conversion.id) ?? [],
    });
  }
  return out;
}

/** What re-checks decided for open claims, written a statement per table. */
export async function writeRechecks(
  tx: Tx,
  workspaceId: string,
  rechecks: {
    actor: Actor;
    claim: RewardRow;
    flags: FlagRow[];
    makers: NewClaim['makers'];
    audit: NewClaim['audit'] & { before: Record<string, unknown> };
  }[],
  at: Date,
) {
  if (rechecks.length === 0) return;
  await insertRows(
    tx,
    rewardFlags,
    rechecks.flatMap((item) => item.flags),
  );
  await insertRows(
    tx,
    rewardMakers,
    rechecks.flatMap((item) =>
      item.makers.map((maker) => ({
        workspaceId,
        rewardId: item.claim.id,
        detail: null,
        ...maker,
        createdAt: at,
      })),
    ),
    { onConflictDoNothing: true },
  );
  // The last state of each claim (a claim re-checked twice in one batch is written once, as it ended).
  const last = new Map(rechecks.map((item) => [item.claim.id, item.claim]));
  // The checks are megabytes of JSON: one document, as the bulk inserts send theirs (db/bulk.ts).
  await executeWithJson(
    tx,
    JSON.stringify(
      [...last.values()].map((claim) => ({
        id: claim.id,
        checks: claim.checks,
        recommendation: claim.recommendation,
        fraud_score: claim.fraudScore,
        updated_at: claim.updatedAt.toISOString(),
      })),
    ),
    (document) => sql`
      update rewards r set checks = v.checks, recommendation = v.recommendation::recommendation,
        fraud_score = v.fraud_score, updated_at = v.updated_at
      from jsonb_to_recordset(${document}) as v(id text, checks jsonb, recommendation text, fraud_score integer, updated_at timestamptz)
      where r.workspace_id = ${workspaceId} and r.id = v.id`,
  );
  await recordAuditMany(
    tx,
    at,
    rechecks.map((item) => ({ actor: item.actor, entry: item.audit })),
  );
}
