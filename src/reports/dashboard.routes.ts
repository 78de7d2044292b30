import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { rowsOf } from '../db/json-rows.js';
import type { Deps } from '../deps.js';
import { requireActor } from '../http/auth.js';

/**
 * The program's measurements: claims created, approved, flagged, disputed, duplicates, time from
 * conversion to sent, reward cost against referred revenue — as totals and week by week.
 */
const Money = z.array(z.object({ currency: z.string(), amount: z.number() }));

const DashboardSchema = z
  .object({
    weeks: z.number(),
    since: z.string(),
    totals: z.object({
      claimsCreated: z.number(),
      approved: z.number(),
      flagged: z.number(),
      disputed: z.number(),
      duplicates: z.number(),
      exceptions: z.number(),
      sent: z.number(),
      reversed: z.number(),
      medianHoursToSent: z.number().nullable(),
      rewardCost: Money,
      referredRevenue: Money,
      openRecoveryTasks: z.number(),
    }),
    weekly: z.array(
      z.object({
        weekStart: z.string(),
        created: z.number(),
        approved: z.number(),
        sent: z.number(),
        flagged: z.number(),
        rewardCost: Money,
      }),
    ),
  })
  .meta({ id: 'Dashboard' });

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
            with r as (select * from rewards where workspace_id = ${workspaceId} and created_at >= ${since}::timestamptz),
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
        const weekly = rowsOf<Record<string, unknown>>(
          await deps.db.execute(sql`
            with weeks as (select generate_series(${since}::timestamptz, ${now.toISOString()}::timestamptz, interval '7 days') as start),
            r as (select * from rewards where workspace_id = ${workspaceId} and created_at >= ${since}::timestamptz)
            select w.start,
              (select count(*) from r where r.created_at >= w.start and r.created_at < w.start + interval '7 days')::int as created,
              (select count(*) from r where r.approved_at >= w.start and r.approved_at < w.start + interval '7 days')::int as approved,
              (select count(*) from r where r.sent_at >= w.start and r.sent_at < w.start + interval '7 days')::int as sent,
              (select count(distinct fl.reward_id) from reward_flags fl join r on r.id = fl.reward_id
                 where fl.workspace_id = ${workspaceId} and r.created_at >= w.start and r.created_at < w.start + interval '7 days')::int as flagged,
              (select coalesce(jsonb_agg(jsonb_build_object('currency', currency, 'amount', total)), '[]'::jsonb) from
                 (select currency, sum(amount) as total from r where r.sent_at >= w.start and r.sent_at < w.start + interval '7 days'
                  and r.status <> 'reversed' group by currency) x) as reward_cost
            from weeks w order by w.start`),
        );
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
          weekly: weekly.map((row) => ({
            weekStart: new Date(row.start as string).toISOString(),
            created: Number(row.created),
            approved: Number(row.approved),
            sent: Number(row.sent),
            flagged: Number(row.flagged),
            rewardCost: money(row.reward_cost),
          })),
        };
      },
    });
  };
}
