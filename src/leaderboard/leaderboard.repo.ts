import { sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { rowsOf } from '../db/json-rows.js';
import type { LeaderRow } from './leaderboard.core.js';

/**
 * Each referrer's closed referrals since `from`: customers converted with a live reward (not
 * reversed, not rejected), per currency for what was earned (paid: sent or thanked). Served by
 * rewards_referrer_idx / rewards_created_idx.
 */
export async function leaderRows(db: Executor, workspaceId: string, from: Date | null): Promise<LeaderRow[]> {
  const rows = rowsOf<{
    participant_id: string;
    name: string;
    opted_in: boolean;
    currency: string;
    closed: number;
    reached_at: string | Date;
    earned: number | string;
  }>(
    await db.execute(sql`
      select r.referrer_id as participant_id, p.name, p.leaderboard_opt_in as opted_in, r.currency,
        count(distinct r.referred_id) filter (where r.kind = 'referral')::int as closed,
        coalesce(max(r.created_at) filter (where r.kind = 'referral'), max(r.created_at)) as reached_at,
        coalesce(sum(r.amount) filter (where r.status in ('sent', 'thanked')), 0)::bigint as earned
      from rewards r
      join participants p on p.workspace_id = r.workspace_id and p.id = r.referrer_id
      -- A referrer's board: their converted referrals and what referring earned them (bonuses
      -- included); a referred person's own reward is theirs, not their referrer's.
      where r.workspace_id = ${workspaceId} and r.status not in ('reversed', 'rejected') and r.kind <> 'referred'
        ${from ? sql`and r.created_at >= ${from.toISOString()}::timestamptz` : sql``}
      group by r.referrer_id, p.name, p.leaderboard_opt_in, r.currency`),
  );
  const byPerson = new Map<string, LeaderRow>();
  for (const row of rows) {
    const reachedAt = new Date(row.reached_at);
    const entry = byPerson.get(row.participant_id) ?? {
      participantId: row.participant_id,
      name: row.name,
      optedIn: Boolean(row.opted_in),
      closedReferrals: 0,
      reachedAt,
      rewardsEarned: [],
    };
    entry.closedReferrals += Number(row.closed);
    if (reachedAt > entry.reachedAt) entry.reachedAt = reachedAt;
    if (Number(row.earned) > 0) entry.rewardsEarned.push({ currency: row.currency, amount: Number(row.earned) });
    byPerson.set(row.participant_id, entry);
  }
  return [...byPerson.values()];
}
