/**
 * Loads what the claim engine and the eligibility checks look at, in a few set-based queries
 * (one round trip each) rather than one query per fact: a conversion is on the hot path. The
 * checks themselves are pure; what a claim was judged on is exactly what is read here.
 */
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { fromJsonRow, fromJsonRows, rowsOf } from '../db/json-rows.js';
import { conversions as conversionsTable, disputes as disputesTable } from '../db/schema.js';
import type { ParticipantRow } from '../participants/index.js';
import { referralsOfCustomers } from './claim-batch.repo.js';
import type {
  ClickRow,
  ConversionRow,
  CustomerFacts,
  DisputeRow,
  ExceptionRow,
  PolicyRow,
  ReferralRow,
  ReferralWithReferrer,
  ReferrerFacts,
  RulesRow,
  SignalRow,
} from './claim-context.core.js';
import { statusList } from './reward.repo.js';
import { taxFactsFor } from './tax-facts.repo.js';

export type { ConversionRow, CustomerFacts, ReferralRow, ReferralWithReferrer, ReferrerFacts };

/** The conversion a claim was made for (a claim fact; conversions/ keeps its own queries). */
export async function findConversion(
  db: Executor,
  workspaceId: string,
  id: string,
): Promise<ConversionRow | undefined> {
  const rows = await db
    .select()
    .from(conversionsTable)
    .where(and(eq(conversionsTable.workspaceId, workspaceId), eq(conversionsTable.id, id)))
    .limit(1);
  return rows[0];
}
/** The default program with the policy and rules versions in force: one round trip. */
export async function loadProgramTerms(db: Executor, workspaceId: string) {
  const [row] = rowsOf<{ program_id: string; policy: unknown; rules: unknown }>(
    await db.execute(sql`
      select p.id as program_id,
        (select to_jsonb(rp) from reward_policies rp
          where rp.workspace_id = p.workspace_id and rp.program_id = p.id order by rp.version desc limit 1) as policy,
        (select to_jsonb(pr) from program_rules pr
          where pr.workspace_id = p.workspace_id and pr.program_id = p.id order by pr.version desc limit 1) as rules
      from programs p where p.workspace_id = ${workspaceId} and p.is_default`),
  );
  if (!row?.policy || !row.rules) throw new Error(`workspace ${workspaceId} has no default program, policy or rules`);
  return {
    programId: row.program_id,
    policy: fromJsonRow<PolicyRow>(row.policy),
    rules: fromJsonRow<RulesRow>(row.rules),
  };
}

/**
 * Everything about one referred customer and one of their conversions: their live claim, every
 * referral of them (first touch first) with the referrer's name and kind, link clicks, the latest
 * dispute, identity signals, the conversion's reversals, and its possible twins (the same sale
 * recorded twice: same customer, amount and currency, a qualifying type).
 */
export async function loadCustomerFacts(
  db: Executor,
  input: {
    workspaceId: string;
    programId: string;
    referredId: string;
    /** The sale judged; null for a reward given at the lead (no reversals, no twins). */
    conversion: ConversionRow | null;
    qualifyingTypes: string[];
  },
): Promise<CustomerFacts> {
  const { workspaceId: ws, programId, referredId } = input;
  // No sale: nothing of the customer's is "this one" ('' matches no conversion id).
  const conversion = input.conversion ?? { id: '', amount: -1, currency: '' };
  const [row] = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select
        (select jsonb_build_object('id', r.id, 'status', r.status, 'conversion_id', r.conversion_id) from rewards r
          where r.workspace_id = ${ws} and r.program_id = ${programId} and r.referred_id = ${referredId}
            and r.status in (${statusList('live')}) and r.kind = 'referral' limit 1) as live_reward,
        (select coalesce(jsonb_agg(jsonb_build_object('referral', to_jsonb(f), 'referrerName', p.name, 'referrerKind', p.kind)
                  order by f.referred_at, f.created_at, f.id), '[]'::jsonb)
          from referrals f join participants p on p.workspace_id = f.workspace_id and p.id = f.referrer_id
          where f.workspace_id = ${ws} and f.referred_id = ${referredId} and f.voided_at is null) as referrals,
        (select coalesce(jsonb_agg(to_jsonb(c)), '[]'::jsonb) from link_clicks c
          where c.workspace_id = ${ws} and c.referred_id = ${referredId}) as clicks,
        (select to_jsonb(d) from disputes d where d.workspace_id = ${ws} and d.referred_id = ${referredId}
          order by (d.status = 'open') desc, d.created_at desc limit 1) as dispute,
        (select coalesce(jsonb_agg(to_jsonb(s)), '[]'::jsonb) from participant_signals s
          where s.workspace_id = ${ws} and s.participant_id = ${referredId}) as signals,
        (select coalesce(jsonb_agg(jsonb_build_object('id', v.id, 'external_id', v.external_id, 'type', v.type,
                  'amount', v.amount, 'occurred_at', v.occurred_at) order by v.occurred_at, v.external_id collate "C"), '[]'::jsonb)
          from conversions v where v.workspace_id = ${ws} and v.reverses_conversion_id = ${conversion.id}) as reversals,
        (select coalesce(jsonb_agg(jsonb_build_object('id', t.id, 'external_id', t.external_id, 'type', t.type,
                  'amount', t.amount, 'currency', t.currency, 'occurred_at', t.occurred_at)
                  order by t.occurred_at, t.external_id collate "C"), '[]'::jsonb)
          from conversions t where t.workspace_id = ${ws} and t.referred_id = ${referredId} and t.id <> ${conversion.id}
            and t.amount = ${conversion.amount} and t.currency = ${conversion.currency}
            and t.type::text in (select jsonb_array_elements_text(${JSON.stringify(input.qualifyingTypes)}::jsonb))) as twins,
        (select coalesce(jsonb_agg(e order by e.occurred_at, e.external_id collate "C"), '[]'::jsonb) from (
          select w.id, w.external_id, w.source, w.type, w.amount, w.currency, w.occurred_at from conversions w
          where w.workspace_id = ${ws} and w.referred_id = ${referredId} and w.id <> ${conversion.id}
            and w.type::text in (select jsonb_array_elements_text(${JSON.stringify(input.qualifyingTypes)}::jsonb))
          order by w.occurred_at, w.external_id collate "C" limit 5) e) as earlier`),
  );
  const referralsJson = (row?.referrals ?? []) as {
    referral: unknown;
    referrerName: string;
    referrerKind: ParticipantRow['kind'];
  }[];
  return {
    liveReward: fromJsonRow<CustomerFacts['liveReward']>(row?.live_reward ?? null),
    referrals: referralsJson.map((item) => ({
      referral: fromJsonRow<ReferralRow>(item.referral),
      referrerName: item.referrerName,
      referrerKind: item.referrerKind,
    })),
    clicks: fromJsonRows<ClickRow>(row?.clicks),
    dispute: fromJsonRow<DisputeRow | null>(row?.dispute ?? null),
    signals: fromJsonRows<SignalRow>(row?.signals),
    reversals: fromJsonRows<CustomerFacts['reversals'][number]>(row?.reversals),
    twins: fromJsonRows<CustomerFacts['twins'][number]>(row?.twins),
    earlier: fromJsonRows<CustomerFacts['earlier'][number]>(row?.earlier),
  };
}

/**
 * The referrer's live claims (lifetime and this month, for the tier ordinal and the caps),
 * activity in the velocity window, partner exceptions and identity signals. Called after the
 * referrer's row lock is held, so the counts include every claim committed before ours.
 */
export async function loadReferrerFacts(
  db: Executor,
  input: {
    workspaceId: string;
    programId: string;
    referrerId: string;
    monthStart: Date;
    windowStart: Date;
    excludeRewardId?: string | undefined;
    ips: string[];
    devices: string[];
  },
): Promise<ReferrerFacts> {
  const { workspaceId: ws, programId, referrerId } = input;
  const exclude = input.excludeRewardId ?? '';
  const month = input.monthStart.toISOString();
  const windowStart = input.windowStart.toISOString();
  const [row] = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select
        (select count(*) from rewards r where r.workspace_id = ${ws} and r.program_id = ${programId}
          and r.referrer_id = ${referrerId} and r.kind = 'referral' and r.status in (${statusList('countsTowardTier')}) and r.id <> ${exclude})::int as lifetime,
        (select count(*) from rewards r where r.workspace_id = ${ws} and r.program_id = ${programId}
          and r.referrer_id = ${referrerId} and r.kind = 'referral' and r.status in (${statusList('countsTowardTier')}) and r.id <> ${exclude}
          and r.created_at >= ${month}::timestamptz)::int as same_month,
        (select count(*) from rewards r where r.workspace_id = ${ws} and r.referrer_id = ${referrerId} and r.kind = 'referral'
          and r.created_at >= ${windowStart}::timestamptz and r.id <> ${exclude})::int as claims_in_window,
        (select count(*) from referrals f where f.workspace_id = ${ws} and f.referrer_id = ${referrerId}
          and f.created_at >= ${windowStart}::timestamptz)::int as referrals_in_window,
        (select coalesce(max(n), 0) from (select count(*) as n from link_clicks c where c.workspace_id = ${ws}
          and c.ip in (select jsonb_array_elements_text(${JSON.stringify(input.ips)}::jsonb))
          and c.landed_at >= ${windowStart}::timestamptz group by c.ip) x)::int as clicks_same_ip,
        (select coalesce(max(n), 0) from (select count(*) as n from link_clicks c where c.workspace_id = ${ws}
          and c.device_id in (select jsonb_array_elements_text(${JSON.stringify(input.devices)}::jsonb))
          and c.landed_at >= ${windowStart}::timestamptz group by c.device_id) x)::int as clicks_same_device,
        (select coalesce(jsonb_agg(to_jsonb(e) order by e.created_at desc), '[]'::jsonb) from partner_exceptions e
          where e.workspace_id = ${ws} and e.participant_id = ${referrerId}) as exceptions,
        (select coalesce(jsonb_agg(to_jsonb(s)), '[]'::jsonb) from participant_signals s
          where s.workspace_id = ${ws} and s.participant_id = ${referrerId}) as signals`),
  );
  const year = input.monthStart.getUTCFullYear();
  const tax = await taxFactsFor(db, ws, [referrerId], [year], { excludeRewardIds: exclude ? [exclude] : [] });
  return {
    tax: tax.get(`${referrerId}:${year}`),
    lifetime: Number(row?.lifetime ?? 0),
    sameMonth: Number(row?.same_month ?? 0),
    claimsInWindow: Number(row?.claims_in_window ?? 0),
    referralsInWindow: Number(row?.referrals_in_window ?? 0),
    clicksFromSameIp: Number(row?.clicks_same_ip ?? 0),
    clicksFromSameDevice: Number(row?.clicks_same_device ?? 0),
    exceptions: fromJsonRows<ExceptionRow>(row?.exceptions),
    signals: fromJsonRows<SignalRow>(row?.signals),
  };
}

/** Every live referral of a customer (a voided one attributes nothing), first touch first (for disputes and the referral service). */
export async function referralsOfCustomer(
  db: Executor,
  workspaceId: string,
  referredId: string,
): Promise<ReferralWithReferrer[]> {
  return (await referralsOfCustomers(db, workspaceId, [referredId])).get(referredId) ?? [];
}

export async function latestDispute(db: Executor, workspaceId: string, referredId: string) {
  const rows = await db
    .select()
    .from(disputesTable)
    .where(and(eq(disputesTable.workspaceId, workspaceId), eq(disputesTable.referredId, referredId)))
    .orderBy(sql`${disputesTable.status} = 'open' desc`, desc(disputesTable.createdAt))
    .limit(1);
  return rows[0];
}

export async function reversalsOf(db: Executor, workspaceId: string, conversionId: string) {
  return db
    .select()
    .from(conversionsTable)
    .where(and(eq(conversionsTable.workspaceId, workspaceId), eq(conversionsTable.reversesConversionId, conversionId)))
    .orderBy(conversionsTable.occurredAt);
}

/**
 * When the claim's referral was recorded against when its sale happened: a referral recorded
 * after the sale (late attribution) is legitimate by hand, but never approved without a person.
 */
export async function attributionTiming(
  db: Executor,
  reward: { workspaceId: string; referralId: string; conversionId: string | null },
) {
  // A reward given at the lead has no sale for its referral to come after.
  if (!reward.conversionId) return { recordedAt: new Date(0), occurredAt: new Date(0), attributedAfterSale: false };
  const [row] = rowsOf<{ recorded_at: string | Date; occurred_at: string | Date }>(
    await db.execute(sql`
      select f.created_at as recorded_at, c.occurred_at
      from referrals f, conversions c
      where f.workspace_id = ${reward.workspaceId} and f.id = ${reward.referralId}
        and c.workspace_id = ${reward.workspaceId} and c.id = ${reward.conversionId}`),
  );
  const recordedAt = row ? new Date(row.recorded_at) : new Date(0);
  const occurredAt = row ? new Date(row.occurred_at) : new Date(0);
  return { recordedAt, occurredAt, attributedAfterSale: recordedAt > occurredAt };
}
