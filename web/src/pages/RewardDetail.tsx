import { useQuery } from '@tanstack/react-query';
import { ordinal } from '../../../src/policy/policy.core.js';
import { type RewardDetail as Detail, get } from '../api';
import { useCan } from '../app';
import { date, dateTime, humanize, MAKER_LABEL, money } from '../format';
import { Link } from '../router';
import { ChannelOutcome, Empty, ErrorBanner, KindBadge, Loading, RecommendationBadge, StatusBadge } from '../ui';
import { ApprovalActions, ChecksList, FlagList } from './review-parts';

/** Where a gift card ordered from Tremendous stands, in words. */
const FULFILMENT_WORDS: Record<NonNullable<Detail['fulfilment']>['status'], string> = {
  queued: 'queued to be ordered',
  ordering: 'being ordered',
  waiting: 'waiting at Tremendous',
  executed: 'ordered',
  failed: 'failed',
};

export function RewardDetail({ id }: { id: string }) {
  const can = useCan();
  const reward = useQuery({ queryKey: ['reward', id], queryFn: () => get<Detail>(`/v1/rewards/${id}`) });
  if (reward.isPending) return <Loading />;
  if (reward.error) return <ErrorBanner error={reward.error} />;
  const r = reward.data;
  return (
    <>
      <div className="page-head">
        <div>
          <div className="faint">
            <Link to="/">Rewards</Link> / {r.id}
          </div>
          <h1>
            {r.summary} <StatusBadge status={r.status} /> <KindBadge reward={r} />
          </h1>
          {r.kind === 'referred' ? (
            <p>
              For <Link to={`/participants/${r.referred.id}`}>{r.referred.name}</Link>, referred by{' '}
              <Link to={`/participants/${r.referrer.id}`}>{r.referrer.name}</Link> (a reward of their own)
            </p>
          ) : (
            <p>
              For <Link to={`/participants/${r.referrer.id}`}>{r.referrer.name}</Link>, who referred{' '}
              <Link to={`/participants/${r.referred.id}`}>{r.referred.name}</Link>
              {r.kind === 'milestone' && r.milestone
                ? ` — a bonus at their ${ordinal(r.milestone)} converted referral`
                : null}
            </p>
          )}
          {r.sourceRewardId ? (
            <p className="small">
              Came with the referrer’s claim <Link to={`/rewards/${r.sourceRewardId}`}>{r.sourceRewardId}</Link>: judged
              on its facts, reversed with its sale.
            </p>
          ) : null}
        </div>
        <div className="right">
          <div style={{ fontSize: 24, fontWeight: 700 }}>{money(r.amount, r.currency)}</div>
          <RecommendationBadge value={r.recommendation} /> <span className="badge">fraud score {r.fraudScore}</span>
        </div>
      </div>
      <div className="grid-2">
        <section className="card">
          <h2>Calculation</h2>
          <p>{r.calculation}</p>
          <dl className="evidence">
            <dt>Conversion</dt>
            <dd>
              {r.conversion ? (
                <>
                  {humanize(r.conversion.type)} {money(r.conversion.amount, r.conversion.currency)} ·{' '}
                  {r.conversion.source}/{r.conversion.externalId} · {date(r.conversion.occurredAt)}
                </>
              ) : (
                'None: a reward given at the lead, before any sale'
              )}
            </dd>
            <dt>Policy</dt>
            <dd>version {r.policyVersion}</dd>
            <dt>Rules</dt>
            <dd>
              version {r.rulesVersion} (terms {r.termsVersion})
            </dd>
            <dt>Hold until</dt>
            <dd>{dateTime(r.holdUntil)}</dd>
            <dt>Approvals</dt>
            <dd>
              {r.approvals.length === 0
                ? `none yet (${r.approvalsRequired} needed)`
                : r.approvals
                    .map(
                      (a) =>
                        `${a.approverName} (${a.kind}, ${dateTime(a.createdAt)}${a.round === r.reviewRound ? '' : ', earlier round: no longer counts'})`,
                    )
                    .join(', ')}
            </dd>
            <dt>Made by</dt>
            <dd>
              {r.makers.length === 0 ? '—' : r.makers.map((m) => `${m.name} (${MAKER_LABEL[m.reason]})`).join(', ')}{' '}
              <span className="muted">— none of them may approve it</span>
            </dd>
            <dt>Sent</dt>
            <dd>
              {r.sentAt
                ? `${dateTime(r.sentAt)} by ${r.sentBy?.name}${r.sentReference ? ` · ref ${r.sentReference}` : ''}`
                : '—'}
            </dd>
            {r.code || r.rewardType === 'discount_code' ? (
              <>
                <dt>Discount code</dt>
                <dd>{r.code ? <code className="copy">{r.code}</code> : 'waiting: the code pool is empty'}</dd>
              </>
            ) : null}
            {r.fulfilment ? (
              <>
                <dt>Tremendous order</dt>
                <dd>
                  {FULFILMENT_WORDS[r.fulfilment.status]}
                  {r.fulfilment.orderId ? ` · order ${r.fulfilment.orderId}` : ''}
                  {r.fulfilment.providerStatus ? ` (${r.fulfilment.providerStatus})` : ''}
                  {r.fulfilment.reason ? <span className="muted"> — {r.fulfilment.reason}</span> : null}
                </dd>
              </>
            ) : null}
            {r.closedReason ? (
              <>
                <dt>Closed</dt>
                <dd>{r.closedReason}</dd>
              </>
            ) : null}
          </dl>
          {r.notes ? <div className="note">{r.notes}</div> : null}
        </section>
        <section className="card">
          <h2>Checks</h2>
          <ChecksList checks={r.checks} />
        </section>
      </div>
      {r.flags.length > 0 ? (
        <section className="card">
          <h2>Flags</h2>
          <FlagList reward={r} />
        </section>
      ) : null}
      {r.status === 'in_review' && can.may('rewards:approve') ? (
        <section className="card">
          <h2>Decision</h2>
          <ApprovalActions reward={r} blockers={r.flags.some((f) => !f.resolved) ? ['resolve the open flags'] : []} />
        </section>
      ) : null}
      <div className="grid-2" style={{ marginTop: 14 }}>
        <section className="card">
          <h2>Messages</h2>
          {r.messages.length === 0 ? <p className="muted">No messages for this reward yet.</p> : null}
          <div className="stack" style={{ gap: 6 }}>
            {r.messages.map((m) => (
              <div key={m.messageId} className="row">
                <ChannelOutcome message={m} />
                <span className="faint">
                  {humanize(m.kind)} to {m.to ?? '—'} · {dateTime(m.createdAt)}
                </span>
              </div>
            ))}
          </div>
        </section>
        <section className="card">
          <h2>History</h2>
          {r.history.length === 0 ? <Empty title="No history" /> : null}
          <ol className="checks">
            {r.history.map((event) => (
              <li key={event.id}>
                <strong>{humanize(event.action.replace('reward.', '').replaceAll('.', ' '))}</strong>{' '}
                <span className="muted">
                  by {event.actor.name} ({event.actor.role}) · {dateTime(event.at)}
                </span>
              </li>
            ))}
          </ol>
        </section>
      </div>
    </>
  );
}
