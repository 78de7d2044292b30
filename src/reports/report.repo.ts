import { sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { rowsOf } from '../db/json-rows.js';
import { statusList } from '../rewards/index.js';

/**
 * The dashboard's totals over rewards created since `since`. Reward cost counts live rewards that
 * were sent; referred revenue counts the conversions of rewards that count toward a tier.
 */
export async function dashboardTotals(db: Executor, workspaceId: string, since: string) {
  const [totals] = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
    with r as (select id, workspace_id, conversion_id, status, amount, currency, approved_at, sent_at from rewards
               where workspace_id = ${workspaceId} and created_at >= ${since}::timestamptz),
    f as (select reward_id, array_agg(distinct type::text) as types from reward_flags
          where workspace_id = ${workspaceId} and reward_id in (select id from r) group by reward_id)
    select
      (select count(*) from r)::int as claims_created,
      (select count(*) from r where approved_at is not null or sent_at is not null)::int as approved,
      (select count(*) from f)::int as flagged,
      (select count(*) from f where 'disputed_attribution' = any(types))::int as disputed,
      (select count(*) from f where 'duplicate_claim' = any(types))::int as duplicates,
      (select count(*) from f where 'partner_exception' = any(types))::int as exceptions,
      (select count(*) from r where sent_at is not null)::int as sent,
      (select count(*) from r where status = 'reversed')::int as reversed,
      (select percentile_cont(0.5) within group (order by extract(epoch from r.sent_at - c.occurred_at) / 3600)
         from r join conversions c on c.workspace_id = r.workspace_id and c.id = r.conversion_id
         where r.sent_at is not null) as median_hours,
      (select coalesce(jsonb_agg(jsonb_build_object('currency', currency, 'amount', total)), '[]'::jsonb) from
         (select currency, sum(amount) as total from r where sent_at is not null and status in (${statusList('live')}) group by currency) x) as reward_cost,
      (select coalesce(jsonb_agg(jsonb_build_object('currency', currency, 'amount', total)), '[]'::jsonb) from
         (select c.currency, sum(c.amount) as total from r join conversions c on c.workspace_id = r.workspace_id and c.id = r.conversion_id
          where r.status in (${statusList('countsTowardTier')}) group by c.currency) y) as referred_revenue,
      (select count(*) from recovery_tasks where workspace_id = ${workspaceId} and status = 'open')::int as open_recovery`),
  );
  return totals;
}

/** One grouped pass per measure (not one scan per week): bins of 7 days from `since`. */
export async function dashboardWeeklyBins(db: Executor, workspaceId: string, since: string) {
  return rowsOf<{
    measure: string;
    week: string | Date;
    currency: string | null;
    n: number;
    amount: string | null;
  }>(
    await db.execute(sql`
    with r as (select id, created_at, approved_at, sent_at, status, amount, currency from rewards
               where workspace_id = ${workspaceId} and (created_at >= ${since}::timestamptz or sent_at >= ${since}::timestamptz))
    select 'created' as measure, date_bin('7 days', created_at, ${since}::timestamptz) as week, null as currency, count(*)::int as n, null as amount
      from r where created_at >= ${since}::timestamptz group by 2
    union all
    select 'approved', date_bin('7 days', approved_at, ${since}::timestamptz), null, count(*)::int, null
      from r where approved_at >= ${since}::timestamptz group by 2
    union all
    select 'sent', date_bin('7 days', sent_at, ${since}::timestamptz), currency, count(*)::int,
           (sum(amount) filter (where status in (${statusList('live')})))::text
      from r where sent_at >= ${since}::timestamptz group by 2, 3
    union all
    select 'flagged', date_bin('7 days', r.created_at, ${since}::timestamptz), null, count(*)::int, null
      from r where r.created_at >= ${since}::timestamptz
        and exists (select 1 from reward_flags f where f.workspace_id = ${workspaceId} and f.reward_id = r.id)
      group by 2`),
  );
}

/** Each sent reward in the period with the evidence criteria it lacks (empty when complete). */
export async function sentRewardsEvidence(db: Executor, workspaceId: string, from: string | null, to: string | null) {
  return rowsOf<{ id: string; sent_at: string | Date; lacks: string[] }>(
    await db.execute(sql`
    select r.id, r.sent_at, array_remove(array[
      case when r.attribution ? 'referralId' and f.id is not null then null else 'attribution_evidence' end,
      case when c.id is not null and c.type = any(pr.qualifying_types) then null else 'qualifying_event' end,
      case when length(r.terms_version) > 0 and pr.terms_version = r.terms_version then null else 'program_terms' end,
      case when jsonb_array_length(r.checks) > 0 and r.checks @> '[{"check": "self_referral"}]'::jsonb
                and r.checks @> '[{"check": "duplicate_claim"}]'::jsonb then null else 'fraud_check' end,
      case when length(r.calculation) > 0 then null else 'payout_calculation' end,
      case when r.approval_record is not null and r.approved_at is not null then null else 'approval_record' end
    ], null) as lacks
    from rewards r
    left join referrals f on f.workspace_id = r.workspace_id and f.id = r.referral_id
    left join conversions c on c.workspace_id = r.workspace_id and c.id = r.conversion_id
    left join program_rules pr on pr.workspace_id = r.workspace_id and pr.program_id = r.program_id and pr.version = r.rules_version
    where r.workspace_id = ${workspaceId} and r.sent_at is not null
      and (${from}::timestamptz is null or r.sent_at >= ${from}::timestamptz)
      and (${to}::timestamptz is null or r.sent_at < ${to}::timestamptz)
    order by r.sent_at`),
  );
}
