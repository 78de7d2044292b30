/**
 * The leaderboard's decisions: which period, how people rank, and what the public may see.
 * Ranked by closed referrals (customers converted with a live reward: not reversed, not
 * rejected); a tie goes to whoever got there first (their latest counted reward is older).
 */
export const LEADERBOARD_PERIODS = ['month', 'quarter', 'year', 'all'] as const;
export type LeaderboardPeriod = (typeof LEADERBOARD_PERIODS)[number];

/** The start of the calendar period containing `now`, in UTC; null for all time. */
export function periodStart(period: LeaderboardPeriod, now: Date): Date | null {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  switch (period) {
    case 'month':
      return new Date(Date.UTC(year, month, 1));
    case 'quarter':
      return new Date(Date.UTC(year, month - (month % 3), 1));
    case 'year':
      return new Date(Date.UTC(year, 0, 1));
    case 'all':
      return null;
  }
}

export interface LeaderRow {
  participantId: string;
  name: string;
  optedIn: boolean;
  closedReferrals: number;
  /** When they reached their count: their latest counted reward. */
  reachedAt: Date;
  rewardsEarned: { currency: string; amount: number }[];
}

export interface RankedRow extends LeaderRow {
  rank: number;
}

export function rankLeaders(rows: LeaderRow[], limit: number): RankedRow[] {
  return [...rows]
    .filter((row) => row.closedReferrals > 0)
    .sort(
      (a, b) =>
        b.closedReferrals - a.closedReferrals ||
        a.reachedAt.getTime() - b.reachedAt.getTime() ||
        a.participantId.localeCompare(b.participantId),
    )
    .slice(0, limit)
    .map((row, index) => ({ ...row, rank: index + 1 }));
}

/** "Jessica Alvarez" -> "Jessica A."; one name stays as it is; never more than a first name and an initial. */
export function shortName(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const first = words[0] ?? '';
  const last = words.length > 1 ? words[words.length - 1] : undefined;
  const initial = last ? [...last][0]?.toUpperCase() : undefined;
  return initial ? `${first} ${initial}.` : first;
}

/** The public page: opted-in people only, ranked among themselves, a short name and a count. */
export function publicLeaders(
  rows: LeaderRow[],
  limit: number,
): { rank: number; name: string; closedReferrals: number }[] {
  return rankLeaders(
    rows.filter((row) => row.optedIn),
    limit,
  ).map((row) => ({ rank: row.rank, name: shortName(row.name), closedReferrals: row.closedReferrals }));
}
