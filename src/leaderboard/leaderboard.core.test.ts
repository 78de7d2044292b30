import { describe, expect, it } from 'vitest';
import { type LeaderRow, periodStart, publicLeaders, rankLeaders, shortName } from './leaderboard.core.js';

const row = (id: string, closed: number, reachedAt: string, optedIn = true): LeaderRow => ({
  participantId: id,
  name: `${id} Person`,
  optedIn,
  closedReferrals: closed,
  reachedAt: new Date(reachedAt),
  rewardsEarned: [],
});

describe('the leaderboard', () => {
  it('ranks by closed referrals; a tie goes to whoever got there first', () => {
    const ranked = rankLeaders(
      [
        row('late', 3, '2026-03-05'),
        row('top', 5, '2026-03-09'),
        row('early', 3, '2026-03-01'),
        row('none', 0, '2026-03-01'),
      ],
      10,
    );
    expect(ranked.map((r) => [r.rank, r.participantId])).toEqual([
      [1, 'top'],
      [2, 'early'],
      [3, 'late'],
    ]);
    expect(rankLeaders([row('a', 2, '2026-01-01'), row('b', 1, '2026-01-01')], 1)).toHaveLength(1);
  });

  it('starts each period on its calendar boundary (UTC)', () => {
    const now = new Date('2026-08-17T10:00:00Z');
    expect(periodStart('month', now)).toEqual(new Date('2026-08-01T00:00:00Z'));
    expect(periodStart('quarter', now)).toEqual(new Date('2026-07-01T00:00:00Z'));
    expect(periodStart('year', now)).toEqual(new Date('2026-01-01T00:00:00Z'));
    expect(periodStart('all', now)).toBeNull();
  });

  it.each([
    ['Jessica Alvarez', 'Jessica A.'],
    ['Mary Jane van der Berg', 'Mary B.'],
    ['Cher', 'Cher'],
    ['  ana   lópez ', 'ana L.'],
    ['Zoë Østergaard', 'Zoë Ø.'],
  ])('shortens %s to %s', (name, short) => {
    expect(shortName(name)).toBe(short);
  });

  it('shows the public only those who opted in, with a short name and a count', () => {
    const board = publicLeaders([row('in', 2, '2026-01-01'), row('out', 9, '2026-01-01', false)], 10);
    expect(board).toEqual([{ rank: 1, name: 'in P.', closedReferrals: 2 }]);
    expect(Object.keys(board[0] ?? {})).toEqual(['rank', 'name', 'closedReferrals']);
  });
});
