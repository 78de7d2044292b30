import { sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { rowsOf } from '../db/json-rows.js';
import type { FunnelCounts, RatingCounts } from './satisfaction.core.js';

export async function ratingCounts(db: Executor, workspaceId: string, from: Date | null): Promise<RatingCounts> {
  const since = from ? sql`and created_at >= ${from.toISOString()}::timestamptz` : sql``;
  const scores = rowsOf<{ score: number; n: number }>(
    await db.execute(sql`
      select score, count(*)::int as n from referrer_ratings
      where workspace_id = ${workspaceId} ${since} group by score`),
  );
  const sentSince = from ? sql`and sent_at >= ${from.toISOString()}::timestamptz` : sql``;
  const [sent] = rowsOf<{ n: number }>(
    await db.execute(sql`
      select count(*)::int as n from messages
      where workspace_id = ${workspaceId} and kind = 'thank_you' and status in ('sent', 'delivered') ${sentSince}`),
  );
  return {
    byScore: Object.fromEntries(scores.map((row) => [Number(row.score), Number(row.n)])),
    thankYousSent: Number(sent?.n ?? 0),
  };
}

/** Each stage's count per UTC month since `from` (a month's first instant). */
export async function funnelCounts(db: Executor, workspaceId: string, from: Date) {
  const since = from.toISOString();
  const rows = rowsOf<{ stage: keyof FunnelCounts; month: string; n: number }>(
    await db.execute(sql`
      select 'invitationsSent' as stage, to_char(sent_at at time zone 'UTC', 'YYYY-MM') as month, count(*)::int as n
        from messages where workspace_id = ${workspaceId} and kind = 'invitation' and status in ('sent', 'delivered')
          and sent_at >= ${since}::timestamptz group by 2
      union all
      select 'linkClicks', to_char(landed_at at time zone 'UTC', 'YYYY-MM'), count(*)::int
        from link_clicks where workspace_id = ${workspaceId} and landed_at >= ${since}::timestamptz group by 2
      union all
      select 'leads', to_char(created_at at time zone 'UTC', 'YYYY-MM'), count(*)::int
        from referrals where workspace_id = ${workspaceId} and voided_at is null and created_at >= ${since}::timestamptz group by 2
      union all
      select 'conversions', to_char(created_at at time zone 'UTC', 'YYYY-MM'), count(distinct referred_id)::int
        from rewards where workspace_id = ${workspaceId} and status not in ('reversed', 'rejected')
          and created_at >= ${since}::timestamptz group by 2
      union all
      select 'rewards', to_char(sent_at at time zone 'UTC', 'YYYY-MM'), count(*)::int
        from rewards where workspace_id = ${workspaceId} and sent_at is not null and status <> 'reversed'
          and sent_at >= ${since}::timestamptz group by 2`),
  );
  const byMonth = new Map<string, Partial<FunnelCounts>>();
  for (const row of rows) {
    const entry = byMonth.get(row.month) ?? {};
    entry[row.stage] = Number(row.n);
    byMonth.set(row.month, entry);
  }
  return byMonth;
}
