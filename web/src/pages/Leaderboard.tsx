import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { Leaderboard as LeaderboardData } from '../../../src/leaderboard/leaderboard.schema.js';
import { get, type WorkspaceSettings } from '../api';
import { moneyList } from '../format';
import { Link } from '../router';
import { Empty, ErrorBanner, Loading } from '../ui';

const PERIODS = [
  { key: 'month', label: 'This month' },
  { key: 'quarter', label: 'This quarter' },
  { key: 'year', label: 'This year' },
  { key: 'all', label: 'All time' },
] as const;

/** Referrers ranked by closed referrals: converted customers whose reward still stands. */
export function Leaderboard() {
  const [period, setPeriod] = useState<(typeof PERIODS)[number]['key']>('month');
  const board = useQuery({
    queryKey: ['leaderboard', period],
    queryFn: () => get<LeaderboardData>(`/v1/leaderboard?period=${period}&limit=50`),
  });
  const workspace = useQuery({ queryKey: ['workspace'], queryFn: () => get<WorkspaceSettings>('/v1/workspace') });
  const publicUrl = workspace.data?.publicLeaderboard ? `/leaderboard/${workspace.data.slug}` : null;
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Leaderboard</h1>
          <p>
            Referrers ranked by closed referrals: people they referred who became customers, with a reward that still
            stands. A tie goes to whoever got there first.
          </p>
        </div>
      </div>
      <div className="tabs" role="tablist" aria-label="Period">
        {PERIODS.map((p) => (
          <button
            key={p.key}
            type="button"
            role="tab"
            aria-selected={p.key === period}
            className={`tab${p.key === period ? ' active' : ''}`}
            onClick={() => setPeriod(p.key)}
          >
            {p.label}
          </button>
        ))}
      </div>
      <ErrorBanner error={board.error} />
      {board.isPending ? <Loading /> : null}
      {board.data && board.data.items.length === 0 ? (
        <Empty title="No closed referrals in this period">
          <p>Referrers appear here once someone they referred converts and the reward is not withdrawn.</p>
        </Empty>
      ) : null}
      {board.data && board.data.items.length > 0 ? (
        <div className="table-wrap card" style={{ padding: 0 }}>
          <table aria-label="Leaderboard">
            <thead>
              <tr>
                <th className="right">Rank</th>
                <th>Referrer</th>
                <th className="right">Closed referrals</th>
                <th className="right">Rewards paid</th>
                <th>Public board</th>
              </tr>
            </thead>
            <tbody>
              {board.data.items.map((item) => (
                <tr key={item.participantId}>
                  <td className="right">{item.rank}</td>
                  <td>
                    <Link to={`/participants/${item.participantId}`}>{item.name}</Link>
                  </td>
                  <td className="right">{item.closedReferrals}</td>
                  <td className="right">{item.rewardsEarned.length ? moneyList(item.rewardsEarned) : '—'}</td>
                  <td>{item.leaderboardOptIn ? 'Shown (short name)' : <span className="faint">Not shown</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <p className="faint" style={{ marginTop: 12 }}>
        {publicUrl ? (
          <>
            The public page is on: <a href={publicUrl}>{publicUrl}</a> shows opted-in referrers only, as a first name
            and an initial.
          </>
        ) : (
          'The public page is off. An owner can turn it on in Settings; only referrers who opt in appear there.'
        )}
      </p>
    </>
  );
}
