import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { rowsOf } from '../db/json-rows.js';
import type { Deps } from '../deps.js';
import { requireActor } from '../http/auth.js';
import { DashboardSchema } from './report.schema.js';

function money(value: unknown): { currency: string; amount: number }[] {
  return ((value as { currency: string; amount: number | string }[] | null) ?? []).map((row) => ({
    currency: row.currency,
    amount: Number(row.amount),
  }));
}

export function dashboardRoutes(deps: Deps) {
  return async (app: FastifyInstance) => {
    app.withTypeProvider<ZodTypeProvider>().get('/v1/reports/dashboard', {
      schema: {
        tags: ['Reports'],
        summary: 'Program measurements: totals and weekly figures',
        querystring: z.strictObject({ weeks: z.coerce.number().int().min(1).max(104).default(12) }),
        response: { 200: DashboardSchema },
      },
      handler: async (request) => {
        const { workspaceId } = requireActor(request);
        const weeks = request.query.weeks;
        const now = deps.clock.now();
        const weekStart = new Date(now);
        weekStart.setUTCHours(0, 0, 0, 0);
        weekStart.setUTCDate(weekStart.getUTCDate() - ((weekStart.getUTCDay() + 6) % 7) - (weeks - 1) * 7);
        const since = weekStart.toISOString();
        const [totals] = rowsOf<Record<string, unknown>>(
          await deps.db.execute(sql`
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
                 (select currency, sum(amount) as total from r where sent_at is not null and status <> 'reversed' group by currency) x) as reward_cost,
              (select coalesce(jsonb_agg(jsonb_build_object('currency', currency, 'amount', total)), '[]'::jsonb) from
                 (select c.currency, sum(c.amount) as total from r join conversions c on c.workspace_id = r.workspace_id and c.id = r.conversion_id
                  where r.status not in ('rejected', 'reversed') group by c.currency) y) as referred_revenue,
              (select count(*) from recovery_tasks where workspace_id = ${workspaceId} and status = 'open')::int as open_recovery`),
        );
        // One grouped pass per measure (not one scan per week): bins of 7 days from `since`.
        const binned = rowsOf<{
          measure: string;
          week: string | Date;
          currency: string | null;
          n: number;
          amount: string | null;
        }>(
          await deps.db.execute(sql`
            with r as (select id, created_at, approved_at, sent_at, status, amount, currency from rewards
                       where workspace_id = ${workspaceId} and (created_at >= ${since}::timestamptz or sent_at >= ${since}::timestamptz))
            select 'created' as measure, date_bin('7 days', created_at, ${since}::timestamptz) as week, null as currency, count(*)::int as n, null as amount
              from r where created_at >= ${since}::timestamptz group by 2
            union all
            select 'approved', date_bin('7 days', approved_at, ${since}::timestamptz), null, count(*)::int, null
              from r where approved_at >= ${since}::timestamptz group by 2
            union all
            select 'sent', date_bin('7 days', sent_at, ${since}::timestamptz), currency, count(*)::int,
                   (sum(amount) filter (where status <> 'reversed'))::text
              from r where sent_at >= ${since}::timestamptz group by 2, 3
            union all
            select 'flagged', date_bin('7 days', r.created_at, ${since}::timestamptz), null, count(*)::int, null
              from r where r.created_at >= ${since}::timestamptz
                and exists (select 1 from reward_flags f where f.workspace_id = ${workspaceId} and f.reward_id = r.id)
              group by 2`),
        );
        const weekly = Array.from({ length: weeks }, (_, index) => {
          const start = new Date(weekStart.getTime() + index * 7 * 86_400_000);
          const here = binned.filter((row) => new Date(row.week).getTime() === start.getTime());
          const count = (measure: string) =>
            here.filter((row) => row.measure === measure).reduce((sum, row) => sum + Number(row.n), 0);
          return {
            weekStart: start.toISOString(),
            created: count('created'),
            approved: count('approved'),
            sent: count('sent'),
            flagged: count('flagged'),
            rewardCost: here
              .filter((row) => row.measure === 'sent' && row.currency && row.amount !== null)
              .map((row) => ({ currency: row.currency as string, amount: Number(row.amount) })),
          };
        });
        return {
          weeks,
          since,
          totals: {
            claimsCreated: Number(totals?.claims_created ?? 0),
            approved: Number(totals?.approved ?? 0),
            flagged: Number(totals?.flagged ?? 0),
            disputed: Number(totals?.disputed ?? 0),
            duplicates: Number(totals?.duplicates ?? 0),
            exceptions: Number(totals?.exceptions ?? 0),
            sent: Number(totals?.sent ?? 0),
            reversed: Number(totals?.reversed ?? 0),
            medianHoursToSent: totals?.median_hours == null ? null : Math.round(Number(totals.median_hours) * 10) / 10,
            rewardCost: money(totals?.reward_cost),
            referredRevenue: money(totals?.referred_revenue),
            openRecoveryTasks: Number(totals?.open_recovery ?? 0),
          },
          weekly,
        };
      },
    });
  };
}
