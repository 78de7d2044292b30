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

/** Words that are a title, not a name: "Dr. Jessica Alvarez" is Jessica. */
const TITLES = new Set(['dr', 'mr', 'mrs', 'ms', 'mx', 'miss', 'prof', 'rev', 'sir', 'dame']);
/** Words after a surname that are not one: "Jessica Alvarez Jr." and "Alvarez, Jessica, PhD". */
const SUFFIXES = new Set(['jr', 'sr', 'ii', 'iii', 'iv', 'phd', 'md', 'esq', 'cpa', 'dds']);
const bare = (word: string) => word.toLowerCase().replace(/\.+$/, '');

/** What the public sees for a name that holds contact data or no usable first name. */
export const ANONYMOUS_NAME = 'Referrer';

/** The first letter of a word, capitalised, as one character: "østergaard" -> "Ø"; none -> undefined. */
function initialOf(word: string | undefined): string | undefined {
  const letter = word?.match(/\p{L}/u)?.[0];
  if (!letter) return undefined;
  const upper = [...letter.toUpperCase()][0];
  return upper && /\p{L}/u.test(upper) ? upper : letter;
}

/**
 * The public form of a name: a first name and the surname's initial, never contact data nor a
 * surname. "Jessica Alvarez" and "Alvarez, Jessica" -> "Jessica A."; "Mary Jane van der Berg" ->
 * "Mary B."; one word stays (it is a first name); a title is dropped ("Dr. Jessica Alvarez" ->
 * "Jessica A."), and a title with one word ("Mr. Smith") is a surname, so "Referrer". Anything
 * with an @, a digit (a phone number) or a web address in it is "Referrer".
 */
export function shortName(name: string): string {
  if (/[@\p{N}]/u.test(name) || /\p{L}\.\p{L}{2,}/u.test(name) || name.includes('://')) return ANONYMOUS_NAME;
  let titled = false;
  const parts = name
    .split(',')
    .map((part) =>
      part
        .split(/\s+/)
        .filter((word) => word !== '' && !SUFFIXES.has(bare(word)))
        .filter((word) => {
          const title = TITLES.has(bare(word));
          titled ||= title;
          return !title;
        }),
    )
    .filter((words) => words.length > 0);
  // "Last, First": the given name follows the comma; otherwise it comes first.
  const [surnames, given] =
    parts.length > 1 ? [parts[0] ?? [], parts[1] ?? []] : [(parts[0] ?? []).slice(1), (parts[0] ?? []).slice(0, 1)];
  if (titled && parts.length === 1 && surnames.length === 0) return ANONYMOUS_NAME;
  // The given name up to anything that is not part of a name ("Jessica;Alvarez" -> "Jessica").
  const first = given[0]?.replace(/^[^\p{L}]+/u, '').match(/^[\p{L}\p{M}'’.-]*/u)?.[0] ?? '';
  if (!/\p{L}/u.test(first)) return ANONYMOUS_NAME;
  const initial = initialOf(surnames.at(-1));
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
