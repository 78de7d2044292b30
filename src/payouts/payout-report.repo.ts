/** The payout measures and the tax report, read straight from rewards (set-based, one query each). */
import { sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { rowsOf } from '../db/json-rows.js';
import { statusList } from '../rewards/index.js';
import { QUALIFYING_CANDIDATES, REVERSAL_TYPES } from '../shared/vocabulary.js';

const list = (items: readonly string[]) =>
  sql.join(
    items.map((item) => sql`${item}`),
    sql`, `,
  );

/** Each payee's paid-out rewards of the taxable types in a currency, sent in [start, end). */
export async function paidByPayee(
  db: Executor,
  input: { workspaceId: string; start: Date; end: Date; currency: string; rewardTypes: readonly string[] },
) {
  if (input.rewardTypes.length === 0) return [];
  const rows = rowsOf<{
    participant_id: string;
    name: string;
    email: string | null;
    tax_form_type: string | null;
    tax_form_received_at: string | Date | null;
    paid_total: string | number;
    paid_count: string | number;
  }>(
    await db.execute(sql`
      select p.id as participant_id, p.name, p.email, p.tax_form_type, p.tax_form_received_at,
        sum(r.amount) as paid_total, count(*) as paid_count
      from rewards r join participants p on p.workspace_id = r.workspace_id and p.id = r.payee_id
      where r.workspace_id = ${input.workspaceId} and r.status in (${statusList('paid')})
        and r.sent_at >= ${input.start.toISOString()}::timestamptz and r.sent_at < ${input.end.toISOString()}::timestamptz
        and r.currency = ${input.currency} and r.reward_type::text in (${list(input.rewardTypes)})
      group by p.id, p.name, p.email, p.tax_form_type, p.tax_form_received_at
      order by sum(r.amount) desc, p.name, p.id`),
  );
  return rows.map((row) => ({
    participantId: row.participant_id,
    name: row.name,
    email: row.email,
    formType: row.tax_form_type,
    formReceivedAt: row.tax_form_received_at ? new Date(row.tax_form_received_at) : null,
    paidTotal: Number(row.paid_total),
    paidCount: Number(row.paid_count),
  }));
}

/**
 * Approved → paid, per month paid (UTC): the median hours and how many, over rewards sent through
 * a payout batch or by hand since `since`.
 */
export async function payoutTimeByMonth(db: Executor, workspaceId: string, since: Date) {
  const rows = rowsOf<{ month: string; median_hours: string | number | null; n: string | number }>(
    await db.execute(sql`
      select to_char(date_trunc('month', r.sent_at at time zone 'UTC'), 'YYYY-MM') as month,
        percentile_cont(0.5) within group (order by extract(epoch from (r.sent_at - r.approved_at)) / 3600.0) as median_hours,
        count(*) as n
      from rewards r
      where r.workspace_id = ${workspaceId} and r.sent_at is not null and r.approved_at is not null
        and r.sent_at >= ${since.toISOString()}::timestamptz
      group by 1 order by 1`),
  );
  return rows.map((row) => ({
    month: row.month,
    medianHours: row.median_hours === null ? null : Math.round(Number(row.median_hours) * 10) / 10,
    rewards: Number(row.n),
  }));
}

/** What rewards cost, by type and currency: paid (sent or thanked) and approved but not yet paid. */
export async function costByRewardType(db: Executor, workspaceId: string, since: Date) {
  const rows = rowsOf<{
    reward_type: string;
    currency: string;
    paid: string | number;
    paid_count: string | number;
    approved: string | number;
  }>(
    await db.execute(sql`
      select r.reward_type::text as reward_type, r.currency,
        coalesce(sum(r.amount) filter (where r.status in (${statusList('paid')})), 0) as paid,
        count(*) filter (where r.status in (${statusList('paid')})) as paid_count,
        coalesce(sum(r.amount) filter (where r.status = 'pending'), 0) as approved
      from rewards r
      where r.workspace_id = ${workspaceId} and r.created_at >= ${since.toISOString()}::timestamptz
        and r.status in (${statusList('paid')}, 'pending')
      group by 1, 2 order by 1, 2`),
  );
  return rows.map((row) => ({
    rewardType: row.reward_type,
    currency: row.currency,
    paid: Number(row.paid),
    paidCount: Number(row.paid_count),
    approvedUnpaid: Number(row.approved),
  }));
}

/**
 * A referrer's lifetime value per currency: the sales of the customers they referred (their
 * referrals not voided), net of those sales' refunds and chargebacks, minus the rewards their
 * referrals cost: paid to them, and to the people they referred (a double-sided program's own).
 */
export async function referrerValue(db: Executor, workspaceId: string, referrerId: string) {
  const rows = rowsOf<{
    currency: string;
    revenue: string | number;
    reversed: string | number;
    rewards: string | number;
  }>(
    await db.execute(sql`
      with customers as (
        select distinct f.referred_id from referrals f
        where f.workspace_id = ${workspaceId} and f.referrer_id = ${referrerId} and f.voided_at is null
      ),
      sales as (
        select c.id, c.currency, c.amount from conversions c
        where c.workspace_id = ${workspaceId} and c.referred_id in (select referred_id from customers)
          and c.type::text in (${list(QUALIFYING_CANDIDATES)})
      ),
      money as (
        select s.currency, s.amount as revenue, 0::bigint as reversed, 0::bigint as rewards from sales s
        union all
        select v.currency, 0, v.amount, 0 from conversions v
        where v.workspace_id = ${workspaceId} and v.reverses_conversion_id in (select id from sales)
          and v.type::text in (${list(REVERSAL_TYPES)})
        union all
        select r.currency, 0, 0, r.amount from rewards r
        where r.workspace_id = ${workspaceId} and r.referrer_id = ${referrerId} and r.status in (${statusList('paid')})
      )
      select currency, sum(revenue) as revenue, sum(reversed) as reversed, sum(rewards) as rewards
      from money group by currency order by currency`),
  );
  return rows.map((row) => {
    const revenue = Number(row.revenue);
    const reversed = Math.min(Number(row.reversed), revenue);
    const rewards = Number(row.rewards);
    return {
      currency: row.currency,
      referredRevenue: revenue,
      refunded: reversed,
      rewardsPaid: rewards,
      value: revenue - reversed - rewards,
    };
  });
}
