import type { Deps } from '../deps.js';
import type { Actor } from '../shared/actor.js';
import { findWorkspaceBySlug } from '../workspaces/index.js';
import { type LeaderboardPeriod, periodStart, publicLeaders, rankLeaders } from './leaderboard.core.js';
import { leaderRows } from './leaderboard.repo.js';
import type { Leaderboard, PublicLeaderboard } from './leaderboard.schema.js';

export async function getLeaderboard(
  deps: Deps,
  actor: Actor,
  query: { period: LeaderboardPeriod; limit: number },
): Promise<Leaderboard> {
  const from = periodStart(query.period, deps.clock.now());
  const ranked = rankLeaders(await leaderRows(deps.db, actor.workspaceId, from), query.limit);
  return {
    period: query.period,
    from: from?.toISOString() ?? null,
    items: ranked.map((row) => ({
      rank: row.rank,
      participantId: row.participantId,
      name: row.name,
      closedReferrals: row.closedReferrals,
      rewardsEarned: row.rewardsEarned,
      leaderboardOptIn: row.optedIn,
    })),
  };
}

const CACHE_MS = 60_000;

/**
 * The public board of a workspace that turned it on, cached up to a minute per process (it is
 * public: a crowd reloading it should not reach the database each time). Off, or no such
 * workspace: undefined (the route answers 404 for both, so the page tells nobody which exists).
 */
export function publicLeaderboardReader(deps: Deps) {
  const cache = new Map<string, { at: number; board: PublicLeaderboard | undefined }>();
  return async (slug: string, period: LeaderboardPeriod): Promise<PublicLeaderboard | undefined> => {
    const now = deps.clock.now();
    const key = `${slug}\n${period}`;
    const hit = cache.get(key);
    if (hit && now.getTime() - hit.at < CACHE_MS) return hit.board;
    const workspace = await findWorkspaceBySlug(deps.db, slug);
    let board: PublicLeaderboard | undefined;
    if (workspace?.publicLeaderboard) {
      const rows = await leaderRows(deps.db, workspace.id, periodStart(period, now));
      board = {
        workspace: workspace.companyName || workspace.name,
        period,
        items: publicLeaders(rows, 25),
      };
    }
    if (cache.size > 1000) cache.clear();
    cache.set(key, { at: now.getTime(), board });
    return board;
  };
}
