import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { isPaid, nextStatus } from '../../../src/rewards/lifecycle.core.js';
import { get, type Page, post, type Reward, type RewardCounts, type RewardDetail } from '../api';
import { useCan } from '../app';
import { date, saleLine } from '../format';
import { Link } from '../router';
import { ChannelOutcome, Empty, ErrorBanner, FlagBadge, KindBadge, Loading, LoadMore, StatusBadge, toast } from '../ui';
import { PolicyCard } from './policy/PolicyCard';

function RewardCard({ reward }: { reward: Reward }) {
  const client = useQueryClient();
  const can = useCan();
  const [reference, setReference] = useState('');
  const [declining, setDeclining] = useState(false);
  const [reason, setReason] = useState('');
  const refresh = () => {
    client.invalidateQueries({ queryKey: ['rewards'] });
    client.invalidateQueries({ queryKey: ['counts'] });
  };
  const markSent = useMutation({
    mutationFn: () => post<RewardDetail>(`/v1/rewards/${reward.id}/mark-sent`, reference ? { reference } : {}),
    onSuccess: () => {
      toast(`Marked sent: ${reward.summary} to ${reward.referrer.name}`);
      refresh();
    },
  });
  const decline = useMutation({
    mutationFn: () => post<RewardDetail>(`/v1/rewards/${reward.id}/decline`, { reason }),
    onSuccess: () => {
      toast('Recorded as declined');
      refresh();
    },
  });
  const retry = useMutation({
    mutationFn: () => post<RewardDetail>(`/v1/rewards/${reward.id}/retry`, {}),
    onSuccess: () => {
      toast(reward.fulfilment ? 'Queued to be ordered again' : 'Back to approved: send it when ready');
      refresh();
    },
  });
  const thank = useMutation({
    mutationFn: (action: 'send' | 'mark') => post<RewardDetail>(`/v1/rewards/${reward.id}/thank-you`, { action }),
    onSuccess: () => refresh(),
  });
  const paid = isPaid(reward.status);
  const fulfilment = reward.fulfilment;
  // The provider has it (or is about to): marking it sent by hand could pay twice.
  const withProvider = fulfilment !== null && ['queued', 'ordering', 'waiting'].includes(fulfilment.status);
  // Paid with its payout batch, never on its own.
  const inBatch = reward.payoutBatch;
  const failedReason =
    reward.status === 'failed'
      ? ((fulfilment?.status === 'failed' ? fulfilment.reason : null) ??
        reward.notes
          ?.split('\n')
          .reverse()
          .find((line) => line.includes('Fulfilment failed:'))
          ?.replace(/^.*Fulfilment failed: /, '') ??
        'No reason recorded.')
      : null;
  return (
    <article className="card reward-card" aria-label={`Reward for ${reward.referred.name}`}>
      <div>
        <div className="row">
          <span className="who">{reward.kind === 'milestone' ? reward.referrer.name : reward.referred.name}</span>
          <StatusBadge status={reward.status} />
          <KindBadge reward={reward} />
          {reward.flags.map((flag) => (
            <FlagBadge key={flag.id} type={flag.type} resolved={flag.resolved} />
          ))}
        </div>
        <div className="muted">
          {reward.kind === 'milestone'
            ? 'reached by referring '
            : reward.kind === 'referred'
              ? 'their own reward, referred by '
              : 'referred by '}
          {reward.kind === 'milestone' ? (
            <Link to={`/participants/${reward.referred.id}`}>{reward.referred.name}</Link>
          ) : (
            <Link to={`/participants/${reward.referrer.id}`}>{reward.referrer.name}</Link>
          )}{' '}
          · {saleLine(reward.conversion)}
        </div>
        <div className="summary" style={{ marginTop: 6 }}>
          {reward.summary}
        </div>
        <div className="faint">{reward.calculation}</div>
        {reward.rewardType === 'discount_code' && !['rejected', 'reversed', 'declined'].includes(reward.status) ? (
          reward.code ? (
            <div className="small" style={{ marginTop: 6 }}>
              Code <code className="copy">{reward.code}</code>
            </div>
          ) : reward.status === 'pending' ? (
            <div className="banner bad" style={{ marginTop: 6 }}>
              Waiting for a discount code: the code pool is empty.{' '}
              <Link to="/settings/discount-codes">Upload codes</Link> and this reward gets the next one.
            </div>
          ) : null
        ) : null}
        {fulfilment && withProvider ? (
          <div className="row" style={{ marginTop: 6 }}>
            <span className="badge">
              {fulfilment.status === 'waiting' ? 'Waiting at Tremendous' : 'Ordering from Tremendous'}
            </span>
            <span className="small muted">
              {fulfilment.status === 'waiting'
                ? `${fulfilment.providerStatus ?? 'PENDING APPROVAL'}: approve the order in your Tremendous account; it is checked again ${fulfilment.nextAttemptAt ? `at ${date(fulfilment.nextAttemptAt)}` : 'soon'}.`
                : fulfilment.reason
                  ? `Trying again (${fulfilment.attempts} attempt${fulfilment.attempts === 1 ? '' : 's'}): ${fulfilment.reason}`
                  : 'Placed by the order job within moments.'}
            </span>
          </div>
        ) : null}
        {inBatch ? (
          <div className="row" style={{ marginTop: 6 }}>
            <span className="badge info">In a payout batch ({inBatch.status})</span>
            <span className="small muted">
              Paid when the batch is marked paid.{' '}
              {can.may('payouts:manage') ? <Link to={`/payouts/${inBatch.id}`}>Open the batch</Link> : null}
            </span>
          </div>
        ) : null}
        {failedReason ? (
          <div className="banner bad" style={{ marginTop: 6 }} role="status">
            <strong>Fulfilment failed:</strong> {failedReason}
          </div>
        ) : null}
        {reward.notes ? <div className="note">{reward.notes}</div> : null}
        {paid ? (
          <div style={{ marginTop: 8 }}>
            <div className="small">
              Sent <strong>{date(reward.sentAt)}</strong>
              {reward.sentBy ? ` by ${reward.sentBy.name}` : ''}
              {reward.sentReference ? ` · ref ${reward.sentReference}` : ''}
              {reward.thankedAt ? ` · thanked ${date(reward.thankedAt)}` : ''}
            </div>
            {/* biome-ignore lint/a11y/useSemanticElements: a labelled group of badges, not a form fieldset */}
            <div className="channels" role="group" aria-label="Thank-you outcome">
              {reward.thankYou.length === 0 ? <span className="badge">No thank-you queued</span> : null}
              {reward.thankYou.map((message) => (
                <ChannelOutcome key={message.messageId} message={message} />
              ))}
            </div>
          </div>
        ) : null}
      </div>
      <div className="actions">
        <Link to={`/rewards/${reward.id}`} className="small right">
          Details →
        </Link>
        {/* Approved, or approved and its automated fulfilment failed (the manual fallback). */}
        {reward.status === 'failed' && can.may('rewards:fulfil') ? (
          <button type="button" className="primary" onClick={() => retry.mutate()} disabled={retry.isPending}>
            {retry.isPending ? 'Retrying…' : fulfilment ? 'Retry the order' : 'Retry'}
          </button>
        ) : null}
        {nextStatus(reward.status, 'mark_sent') && can.may('rewards:fulfil') && !withProvider && !inBatch ? (
          <>
            <input
              placeholder="Reference (optional)"
              aria-label="Reference"
              value={reference}
              onChange={(e) => setReference(e.target.value)}
            />
            <button
              className={reward.status === 'failed' ? undefined : 'primary'}
              type="button"
              onClick={() => markSent.mutate()}
              disabled={markSent.isPending}
            >
              {markSent.isPending ? 'Marking…' : reward.status === 'failed' ? 'Mark sent by hand' : 'Mark reward sent'}
            </button>
            {!nextStatus(reward.status, 'decline') ? null : declining ? (
              <form
                className="stack"
                style={{ gap: 6 }}
                onSubmit={(e) => {
                  e.preventDefault();
                  decline.mutate();
                }}
              >
                <input
                  placeholder="Why? (the referrer declined…)"
                  aria-label="Decline reason"
                  value={reason}
                  onChange={(e) => setReason(e.target.value)}
                  required
                  autoFocus
                />
                <div className="row">
                  <button type="submit" className="danger" disabled={decline.isPending}>
                    Record decline
                  </button>
                  <button type="button" className="link" onClick={() => setDeclining(false)}>
                    Cancel
                  </button>
                </div>
              </form>
            ) : (
              <button type="button" className="danger" onClick={() => setDeclining(true)}>
                Decline
              </button>
            )}
          </>
        ) : null}
        {reward.status === 'in_review' ? (
          <Link to="/approvals" className="button">
            Waiting for approval
          </Link>
        ) : null}
        {reward.status === 'sent' && can.may('messages:send') ? (
          <>
            {reward.thankYou.some((m) =>
              ['queued', 'sending', 'held', 'sent', 'delivered'].includes(m.status),
            ) ? null : (
              <button type="button" onClick={() => thank.mutate('send')} disabled={thank.isPending}>
                Send thank-you
              </button>
            )}
            <button type="button" className="link" onClick={() => thank.mutate('mark')} disabled={thank.isPending}>
              Mark thanked (in person)
            </button>
          </>
        ) : null}
        <ErrorBanner error={markSent.error ?? decline.error ?? thank.error ?? retry.error} />
      </div>
    </article>
  );
}

const TABS = [
  { key: 'pending', label: 'Pending', statuses: 'pending', count: ['pending'] },
  // A failed fulfilment waits here with its reason: retry it, or fulfil it by hand (the manual fallback).
  { key: 'failed', label: 'Failed', statuses: 'failed', count: ['failed'] },
  { key: 'sent', label: 'Sent', statuses: 'sent,thanked', count: ['sent', 'thanked'] },
  { key: 'review', label: 'In review', statuses: 'in_review', count: ['in_review'] },
  {
    key: 'closed',
    label: 'Closed',
    statuses: 'declined,rejected,reversed',
    count: ['declined', 'rejected', 'reversed'],
  },
] as const;

const EMPTY: Record<string, [string, string]> = {
  pending: [
    'Nothing to send right now',
    'Approved rewards appear here. Claims waiting for a decision are under Approvals.',
  ],
  failed: [
    'No failed fulfilments',
    'A gift card order Tremendous refused (or never answered) lands here with the reason: retry it, or fulfil it by hand and mark it sent.',
  ],
  sent: ['No rewards sent yet', 'Rewards you mark sent appear here with the date and the thank-you outcome.'],
  review: ['No claims waiting for review', 'New claims appear here when a referred customer converts.'],
  closed: ['Nothing closed', 'Declined, rejected and reversed rewards end up here.'],
};

function Queue() {
  const [tab, setTab] = useState<(typeof TABS)[number]>(TABS[0]);
  const counts = useQuery({ queryKey: ['counts'], queryFn: () => get<RewardCounts>('/v1/rewards/counts') });
  const rewards = useInfiniteQuery({
    queryKey: ['rewards', tab.statuses],
    queryFn: ({ pageParam }) =>
      get<Page<Reward>>(
        `/v1/rewards?status=${tab.statuses}&limit=20${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ''}`,
      ),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const items = rewards.data?.pages.flatMap((page) => page.items) ?? [];
  const empty = EMPTY[tab.key] ?? ['Nothing here', ''];
  return (
    <section aria-label="Reward queue">
      <div className="tabs" role="tablist">
        {TABS.map((t) => (
          <button
            key={t.key}
            type="button"
            role="tab"
            aria-selected={t.key === tab.key}
            className={`tab${t.key === tab.key ? ' active' : ''}`}
            onClick={() => setTab(t)}
          >
            {t.label}
            <span className="nav-count">{t.count.reduce((sum, status) => sum + (counts.data?.[status] ?? 0), 0)}</span>
          </button>
        ))}
      </div>
      <ErrorBanner error={rewards.error} />
      {rewards.isPending ? <Loading /> : null}
      {!rewards.isPending && items.length === 0 ? (
        <Empty title={empty[0]}>
          <p>{empty[1]}</p>
        </Empty>
      ) : null}
      <div className="stack">
        {items.map((reward) => (
          <RewardCard key={reward.id} reward={reward} />
        ))}
      </div>
      <LoadMore query={rewards} />
    </section>
  );
}

export function Rewards() {
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Rewards</h1>
          <p>Fulfil approved rewards outside Rewardloop, then mark them sent: the referrer is thanked automatically.</p>
        </div>
      </div>
      <PolicyCard />
      <Queue />
    </>
  );
}
