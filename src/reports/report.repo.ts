import { sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { rowsOf } from '../db/json-rows.js';
import { statusList } from '../rewards/index.js';

/*
 * Every figure here reads `reward_rollups` (db/schema.ts: kept by triggers in the transaction that
 * writes the rewards), a few rows per day whatever the number of rewards; only the edges of an
 * eligibility-accuracy period that cut a day, and the rewards the rollups say lack evidence, read
 * reward rows, through `rewards_sent_idx`.
 */

/** The days of a period as the rollups key them: UTC dates. */
export const utcDay = (at: string | Date) => new Date(at).toISOString().slice(0, 10);

/**
 * The dashboard's totals over rewards created since `since` (a UTC midnight). Reward cost counts
 * live rewards that were sent; referred revenue counts the conversions of rewards that count
 * toward a tier. Marks (reward_rollups.bucket of 'created'): 1 approved or sent, 2 sent,
 * 4 flagged, 8 disputed, 16 duplicate, 32 partner exception.
 */
export async function dashboardTotals(db: Executor, workspaceId: string, since: string) {
  const day = utcDay(since);
  const [totals] = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
    with c as (select status, currency, bucket, n, amount from reward_rollups
               where workspace_id = ${workspaceId} and measure = 'created' and day >= ${day}::date)
    select
      coalesce((select sum(n) from c), 0)::bigint::text as claims_created,
      coalesce((select sum(n) from c where bucket & 1 <> 0), 0)::bigint::text as approved,
      coalesce((select sum(n) from c where bucket & 4 <> 0), 0)::bigint::text as flagged,
      coalesce((select sum(n) from c where bucket & 8 <> 0), 0)::bigint::text as disputed,
      coalesce((select sum(n) from c where bucket & 16 <> 0), 0)::bigint::text as duplicates,
      coalesce((select sum(n) from c where bucket & 32 <> 0), 0)::bigint::text as exceptions,
      coalesce((select sum(n) from c where bucket & 2 <> 0), 0)::bigint::text as sent,
      coalesce((select sum(n) from c where status = 'reversed'), 0)::bigint::text as reversed,
      (select coalesce(jsonb_agg(jsonb_build_object('currency', currency, 'amount', total) order by currency), '[]'::jsonb) from
         (select currency, sum(amount) as total from c where bucket & 2 <> 0 and status in (${statusList('live')})
          group by currency having sum(n) <> 0) x) as reward_cost,
      (select coalesce(jsonb_agg(jsonb_build_object('currency', currency, 'amount', total) order by currency), '[]'::jsonb) from
         (select currency, sum(amount) as total from reward_rollups
          where workspace_id = ${workspaceId} and measure = 'revenue' and day >= ${day}::date
            and status in (${statusList('countsTowardTier')})
          group by currency having sum(n) <> 0) y) as referred_revenue,
      (select coalesce(jsonb_agg(jsonb_build_array(bucket, total) order by bucket), '[]'::jsonb) from
         (select bucket, sum(n) as total from reward_rollups
          where workspace_id = ${workspaceId} and measure = 'hours_to_sent' and day >= ${day}::date
          group by bucket having sum(n) > 0) h) as hours_to_sent,
      (select count(*) from recovery_tasks where workspace_id = ${workspaceId} and status = 'open')::int as open_recovery`),
  );
  return totals;
}

/** The figures in bins of 7 days from `since`, each measure on its own date (created, approved, sent). */
export async function dashboardWeeklyBins(db: Executor, workspaceId: string, since: string) {
  const day = utcDay(since);
  return rowsOf<{
    measure: string;
    week: string;
    currency: string | null;
    n: number | string;
    amount: string | null;
  }>(
    await db.execute(sql`
    with r as (select measure, (${day}::date + ((day - ${day}::date) / 7) * 7)::text as week, status, currency, bucket, n, amount
               from reward_rollups
               where workspace_id = ${workspaceId} and measure in ('created', 'approved', 'sent') and day >= ${day}::date)
    select 'created' as measure, week, null as currency, sum(n)::bigint::text as n, null as amount
      from r where measure = 'created' group by week
    union all
    select 'approved', week, null, sum(n)::bigint::text, null from r where measure = 'approved' group by week
    union all
    select 'sent', week, currency, sum(n)::bigint::text,
           -- Null when no live reward remains (a shard's row may be left at n = 0, amount 0).
           (case when sum(n) filter (where status in (${statusList('live')})) <> 0
                 then sum(amount) filter (where status in (${statusList('live')})) end)::text
      from r where measure = 'sent' group by week, currency having sum(n) <> 0
    union all
    select 'flagged', week, null, sum(n)::bigint::text, null
      from r where measure = 'created' and bucket & 4 <> 0 group by week`),
  );
}

/**
 * Rewards sent and those lacking evidence (reward_rollups 'sent', bucket 1) per whole UTC day in
 * [fromDay, toDay); null bounds are open.
 */
export async function sentDays(db: Executor, workspaceId: string, fromDay: string | null, toDay: string | null) {
  return rowsOf<{ day: string; sent: string; incomplete: string }>(
    await db.execute(sql`
    select day::text as day, sum(n)::bigint::text as sent, (sum(n) filter (where bucket = 1))::bigint::text as incomplete
    from reward_rollups
    where workspace_id = ${workspaceId} and measure = 'sent'
      and (${fromDay}::date is null or day >= ${fromDay}::date)
      and (${toDay}::date is null or day < ${toDay}::date)
    group by day having sum(n) <> 0 order by day`),
  );
}

/**
 * Each reward sent in [from, to) with the evidence criteria it lacks (empty when complete), or
 * only those lacking some with `onlyIncomplete`. reward_evidence_lacks() (migration 0008) is the
 * definition the rollups use too.
 */
export async function sentRewardsEvidence(
  db: Executor,
  workspaceId: string,
  from: string | null,
  to: string | null,
  onlyIncomplete = false,
) {
  return rowsOf<{ id: string; sent_at: string | Date; lacks: string[] }>(
    await db.execute(sql`
    select id, sent_at, lacks from (
      select r.id, r.sent_at, reward_evidence_lacks(r) as lacks from rewards r
      where r.workspace_id = ${workspaceId} and r.sent_at is not null
        and (${from}::timestamptz is null or r.sent_at >= ${from}::timestamptz)
        and (${to}::timestamptz is null or r.sent_at < ${to}::timestamptz)
    ) x where not ${onlyIncomplete} or cardinality(lacks) > 0
    order by sent_at`),
  );
}
