import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { type ApprovalItem, type CompetingReferral, post, type Reward } from '../api';
import { useCan } from '../app';
import { dateTime, FLAG_LABEL, humanize } from '../format';
import { ErrorBanner, Evidence, toast } from '../ui';

type Flag = Reward['flags'][number];

export function useRefreshReviews() {
  const client = useQueryClient();
  return () => {
    for (const key of ['approvals', 'rewards', 'counts', 'reward']) client.invalidateQueries({ queryKey: [key] });
  };
}

export function ChecksList({ checks }: { checks: ApprovalItem['checks'] }) {
  return (
    <ul className="checks">
      {checks.map((check) => (
        <li key={check.check}>
          <span className={`badge ${check.skipped ? '' : check.passed ? 'good' : check.blocking ? 'bad' : 'warn'}`}>
            {check.skipped ? 'skipped' : check.passed ? 'pass' : 'fail'}
          </span>{' '}
          <strong>{check.label ?? humanize(check.check)}</strong> — <span className="muted">{check.reason}</span>
        </li>
      ))}
    </ul>
  );
}

/** A dispute's competing referrals side by side, and the decision (finance or owner). */
function DisputePanel({ reward, flag }: { reward: Reward; flag: Flag }) {
  const can = useCan();
  const refresh = useRefreshReviews();
  const [reason, setReason] = useState('');
  const disputeId = flag.evidence.disputeId as string | null | undefined;
  const competing = (flag.evidence.competing as CompetingReferral[] | undefined) ?? [];
  const resolve = useMutation({
    mutationFn: (winningReferralId: string) => post(`/v1/disputes/${disputeId}/resolve`, { winningReferralId, reason }),
    onSuccess: () => {
      toast('Dispute decided; the claim was checked again');
      refresh();
    },
  });
  if (competing.length === 0) return null;
  return (
    <div className="stack" style={{ gap: 8, marginTop: 8 }}>
      <div className="side-by-side">
        {competing.map((c) => (
          <div key={c.referralId} className={`competitor${c.referralId === reward.referralId ? ' payee' : ''}`}>
            <div className="spread">
              <strong>{c.referrerName}</strong>
              <span className="badge">{c.referrerKind}</span>
            </div>
            <div className="faint">
              {c.source} · {dateTime(c.referredAt)} · recorded by {c.recordedBy}
            </div>
            <Evidence data={{ ...c.evidence, clicks: c.clicks.length || null }} />
            {c.referralId === reward.referralId ? <div className="faint">Provisional payee (first touch)</div> : null}
            {can.may('disputes:resolve') && disputeId && !flag.resolved ? (
              <button
                type="button"
                style={{ marginTop: 8 }}
                disabled={!reason || resolve.isPending}
                onClick={() => resolve.mutate(c.referralId)}
                title={reason ? undefined : 'Write why first'}
              >
                {c.referrerName} gets the credit
              </button>
            ) : null}
          </div>
        ))}
      </div>
      {can.may('disputes:resolve') && disputeId && !flag.resolved ? (
        <input
          placeholder="Why this referrer wins (required)"
          aria-label="Dispute decision reason"
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
      ) : null}
      <ErrorBanner error={resolve.error} />
    </div>
  );
}

export function FlagList({ reward }: { reward: Reward }) {
  const can = useCan();
  const refresh = useRefreshReviews();
  const [reasons, setReasons] = useState<Record<string, string>>({});
  const resolve = useMutation({
    mutationFn: (flag: Flag) =>
      post(`/v1/rewards/${reward.id}/flags/${flag.id}/resolve`, { reason: reasons[flag.id] ?? '' }),
    onSuccess: () => {
      toast('Flag resolved');
      refresh();
    },
  });
  if (reward.flags.length === 0) return null;
  return (
    <div className="stack" style={{ gap: 8 }}>
      {reward.flags.map((flag) => {
        const isDispute = flag.type === 'disputed_attribution' && !!flag.evidence.disputeId;
        return (
          <div key={flag.id} className={`flag${flag.resolved ? ' resolved' : ''}`}>
            <div className="spread">
              <strong>
                {flag.resolved ? '✓ ' : '⚑ '}
                {FLAG_LABEL[flag.type]}
              </strong>
              {flag.resolved ? (
                <span className="faint">
                  resolved by {flag.resolvedBy} · {dateTime(flag.resolvedAt)}
                </span>
              ) : null}
            </div>
            <div className="small">{flag.reason}</div>
            {flag.resolved ? <div className="note">{flag.resolution}</div> : null}
            {flag.type === 'disputed_attribution' ? (
              <DisputePanel reward={reward} flag={flag} />
            ) : (
              <Evidence data={flag.evidence} />
            )}
            {!flag.resolved && can.may('flags:resolve') && !isDispute ? (
              <form
                className="row"
                style={{ marginTop: 8 }}
                onSubmit={(e) => {
                  e.preventDefault();
                  resolve.mutate(flag);
                }}
              >
                <input
                  style={{ flex: 1, minWidth: 200 }}
                  placeholder="How you resolved it (required)"
                  aria-label={`Resolution for ${FLAG_LABEL[flag.type]}`}
                  value={reasons[flag.id] ?? ''}
                  onChange={(e) => setReasons((r) => ({ ...r, [flag.id]: e.target.value }))}
                  required
                />
                <button type="submit" disabled={resolve.isPending}>
                  Resolve flag
                </button>
              </form>
            ) : null}
          </div>
        );
      })}
      <ErrorBanner error={resolve.error} />
    </div>
  );
}

export function ApprovalActions({ reward, blockers }: { reward: Reward; blockers: string[] }) {
  const refresh = useRefreshReviews();
  const [note, setNote] = useState('');
  const [rejecting, setRejecting] = useState(false);
  const approve = useMutation({
    mutationFn: () =>
      post(`/v1/rewards/${reward.id}/approve`, { reviewRound: reward.reviewRound, ...(note ? { note } : {}) }),
    onSuccess: () => {
      toast(`Approved: ${reward.summary} for ${reward.referrer.name}`);
      refresh();
    },
  });
  const reject = useMutation({
    mutationFn: () => post(`/v1/rewards/${reward.id}/reject`, { reason: note }),
    onSuccess: () => {
      toast('Claim rejected');
      refresh();
    },
  });
  return (
    <div className="stack" style={{ gap: 8 }}>
      {blockers.length > 0 ? (
        <div className="banner info">Cannot approve yet: {blockers.map((b) => b.replace(/\.$/, '')).join('; ')}.</div>
      ) : null}
      <div className="row">
        <input
          style={{ flex: 1, minWidth: 200 }}
          placeholder={rejecting ? 'Why it is rejected (required)' : 'Note (optional)'}
          aria-label={rejecting ? 'Rejection reason' : 'Approval note'}
          value={note}
          onChange={(e) => setNote(e.target.value)}
        />
        {rejecting ? (
          <>
            <button
              type="button"
              className="danger"
              disabled={!note || reject.isPending}
              onClick={() => reject.mutate()}
            >
              Reject claim
            </button>
            <button type="button" className="link" onClick={() => setRejecting(false)}>
              Cancel
            </button>
          </>
        ) : (
          <>
            <button
              type="button"
              className="good"
              disabled={blockers.length > 0 || approve.isPending}
              onClick={() => approve.mutate()}
            >
              {reward.approvalsRequired > 1
                ? `Approve (${reward.approvals.filter((a) => a.round === reward.reviewRound).length + 1} of ${reward.approvalsRequired})`
                : 'Approve'}
            </button>
            <button type="button" className="danger" onClick={() => setRejecting(true)}>
              Reject…
            </button>
          </>
        )}
      </div>
      <ErrorBanner error={approve.error ?? reject.error} />
    </div>
  );
}
