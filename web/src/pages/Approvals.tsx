import { useInfiniteQuery, useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { type ApprovalItem, get, type Page, post } from '../api';
import { useCan } from '../app';
import { date, money, saleLine } from '../format';
import { Link } from '../router';
import { Empty, ErrorBanner, KindBadge, Loading, LoadMore, RecommendationBadge, toast } from '../ui';
import { ApprovalActions, ChecksList, FlagList, useRefreshReviews } from './review-parts';

function ApprovalCard({
  item,
  selected,
  onSelect,
}: {
  item: ApprovalItem;
  selected: boolean;
  onSelect: (on: boolean) => void;
}) {
  const { reward } = item;
  const [showChecks, setShowChecks] = useState(false);
  const clean = item.canApprove && reward.flags.length === 0;
  return (
    <article className="card stack" aria-label={`Claim for ${reward.referred.name}`}>
      <div className="spread">
        <div className="row" style={{ alignItems: 'flex-start' }}>
          {clean ? (
            <input
              type="checkbox"
              aria-label={`Select ${reward.referred.name} for bulk approval`}
              checked={selected}
              onChange={(e) => onSelect(e.target.checked)}
              style={{ marginTop: 4 }}
            />
          ) : null}
          <div>
            <div className="row">
              <strong style={{ fontSize: 16 }}>
                {reward.kind === 'milestone' ? reward.referrer.name : reward.referred.name}
              </strong>
              <KindBadge reward={reward} />
              <RecommendationBadge value={reward.recommendation} />
              <span className={`badge ${reward.fraudScore >= 50 ? 'bad' : reward.fraudScore > 0 ? 'warn' : ''}`}>
                fraud score {reward.fraudScore}
              </span>
            </div>
            <div className="muted">
              {reward.kind === 'milestone' ? (
                <>
                  reached by referring <Link to={`/participants/${reward.referred.id}`}>{reward.referred.name}</Link>
                </>
              ) : (
                <>
                  {reward.kind === 'referred' ? 'their own reward, referred by ' : 'referred by '}
                  <Link to={`/participants/${reward.referrer.id}`}>{reward.referrer.name}</Link> ({reward.referrer.kind}
                  )
                </>
              )}{' '}
              · {saleLine(reward.conversion)}
            </div>
          </div>
        </div>
        <div className="right">
          <div style={{ fontSize: 20, fontWeight: 700 }}>{money(reward.amount, reward.currency)}</div>
          <div className="faint">waiting since {date(reward.createdAt)}</div>
        </div>
      </div>
      <div>
        <div className="summary">{reward.summary}</div>
        <div className="faint">Calculation: {reward.calculation}</div>
        {item.fraudSignals.length ? (
          <div className="faint">
            Fraud signals: {item.fraudSignals.map((s) => `${s.detail} (+${s.points})`).join('; ')}
          </div>
        ) : null}
      </div>
      <FlagList reward={reward} />
      <div>
        <button type="button" className="link" onClick={() => setShowChecks((v) => !v)} aria-expanded={showChecks}>
          {showChecks ? 'Hide' : 'Show'} all {item.checks.length} checks
        </button>
        {showChecks ? <ChecksList checks={item.checks} /> : null}
      </div>
      <ApprovalActions reward={reward} blockers={item.blockers} />
    </article>
  );
}

export function Approvals() {
  const can = useCan();
  const refresh = useRefreshReviews();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const approvals = useInfiniteQuery({
    queryKey: ['approvals'],
    queryFn: ({ pageParam }) =>
      get<Page<ApprovalItem>>(`/v1/approvals?limit=20${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ''}`),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled: can.may('rewards:approve'),
  });
  const bulk = useMutation({
    // Each approval names the review round on screen: a claim changed meanwhile is refused (409).
    mutationFn: async (claims: { id: string; reviewRound: number }[]) => {
      const failures: string[] = [];
      for (const { id, reviewRound } of claims) {
        try {
          await post(`/v1/rewards/${id}/approve`, { note: 'Approved in bulk: clean claim', reviewRound });
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
      return { approved: claims.length - failures.length, failures };
    },
    onSuccess: ({ approved, failures }) => {
      toast(
        failures.length
          ? `${approved} approved, ${failures.length} could not be: ${failures[0]}`
          : `${approved} clean claims approved`,
      );
      setSelected(new Set());
      refresh();
    },
  });
  if (!can.may('rewards:approve')) {
    return (
      <>
        <div className="page-head">
          <h1>Approvals</h1>
        </div>
        <Empty title="Approvals are for finance and the program owner">
          <p>Your role ({can.role}) can see rewards but not approve payouts, credits or discounts.</p>
        </Empty>
      </>
    );
  }
  const items = approvals.data?.pages.flatMap((page) => page.items) ?? [];
  const cleanIds = items
    .filter((item) => item.canApprove && item.reward.flags.length === 0)
    .map((item) => item.reward.id);
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Approvals</h1>
          <p>Claims waiting for a decision, oldest first. Resolve every flag, then approve or reject with a note.</p>
        </div>
        {cleanIds.length > 0 ? (
          <div className="row">
            <button
              type="button"
              onClick={() => setSelected(selected.size === cleanIds.length ? new Set() : new Set(cleanIds))}
            >
              {selected.size === cleanIds.length ? 'Clear selection' : `Select ${cleanIds.length} clean`}
            </button>
            <button
              type="button"
              className="good"
              disabled={selected.size === 0 || bulk.isPending}
              onClick={() =>
                bulk.mutate(
                  items
                    .filter((item) => selected.has(item.reward.id))
                    .map((item) => ({ id: item.reward.id, reviewRound: item.reward.reviewRound })),
                )
              }
            >
              Approve {selected.size || ''} selected
            </button>
          </div>
        ) : null}
      </div>
      <ErrorBanner error={approvals.error ?? bulk.error} />
      {approvals.isPending ? <Loading /> : null}
      {!approvals.isPending && items.length === 0 ? (
        <Empty title="Nothing waits for approval">
          <p>
            New claims appear here when a referred customer converts. Approved ones move to the Pending tab of Rewards.
          </p>
        </Empty>
      ) : null}
      <div className="stack">
        {items.map((item) => (
          <ApprovalCard
            key={item.reward.id}
            item={item}
            selected={selected.has(item.reward.id)}
            onSelect={(on) =>
              setSelected((current) => {
                const next = new Set(current);
                if (on) next.add(item.reward.id);
                else next.delete(item.reward.id);
                return next;
              })
            }
          />
        ))}
      </div>
      <LoadMore query={approvals} />
    </>
  );
}
