import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, get, type Participant, patch, post, type Referral } from '../api';
import { useCan } from '../app';
import { ErrorBanner, toast } from '../ui';

/** The participant's private page (/p/…): staff open or copy it, rotate it if it was shared by mistake. */
export function PrivatePage({ person }: { person: Participant }) {
  const can = useCan();
  const client = useQueryClient();
  const page = useQuery({
    queryKey: ['participant-page', person.id],
    queryFn: () => get<{ pageUrl: string }>(`/v1/participants/${person.id}/page`),
  });
  const rotate = useMutation({
    mutationFn: () => post<{ pageUrl: string }>(`/v1/participants/${person.id}/rotate-page`),
    onSuccess: (result) => {
      client.setQueryData(['participant-page', person.id], result);
      toast('New page address: the old one no longer works');
    },
  });
  const optIn = useMutation({
    mutationFn: (value: boolean) => patch<Participant>(`/v1/participants/${person.id}`, { leaderboardOptIn: value }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['participant', person.id] }),
  });
  const url = page.data?.pageUrl;
  return (
    <section className="card">
      <h2>Private page</h2>
      <ErrorBanner error={page.error ?? rotate.error ?? optIn.error} />
      {url ? (
        <div className="row">
          <code style={{ wordBreak: 'break-all' }}>{url}</code>
          <button
            type="button"
            onClick={() => navigator.clipboard?.writeText(url).then(() => toast('Page link copied'))}
          >
            Copy
          </button>
          <a className="button" href={url} target="_blank" rel="noreferrer">
            Open
          </a>
        </div>
      ) : null}
      <p className="faint" style={{ marginTop: 8 }}>
        Their link with share buttons and a QR code, their referrals and rewards. Only for {person.name}: it shows no
        one else’s data.
      </p>
      {can.may('participants:write') ? (
        <div className="row" style={{ marginTop: 8 }}>
          <button type="button" disabled={rotate.isPending} onClick={() => rotate.mutate()}>
            Rotate page address
          </button>
          <label className="check">
            <input
              type="checkbox"
              checked={person.leaderboardOptIn}
              disabled={optIn.isPending}
              onChange={(event) => optIn.mutate(event.target.checked)}
            />
            Show on the public leaderboard
          </label>
        </div>
      ) : null}
    </section>
  );
}

/**
 * A referral logged by mistake is voided (owner or finance), with a reason: its reward is taken
 * back (voided unpaid, or a clawback or recovery task once paid). A voided one says so.
 */
export function VoidReferral({ referral }: { referral: Referral }) {
  const can = useCan();
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const voidIt = useMutation({
    mutationFn: () => api<{ rewards: unknown[] }>('DELETE', `/v1/referrals/${referral.id}`, { reason }),
    onSuccess: (result) => {
      toast(
        result.rewards.length > 0
          ? 'Referral voided; its reward was taken back'
          : 'Referral voided: it counts for nothing now',
      );
      setOpen(false);
      client.invalidateQueries();
    },
  });
  if (referral.voided) {
    return (
      <span className="badge" title={`Voided by ${referral.voided.by}: ${referral.voided.reason}`}>
        voided
      </span>
    );
  }
  if (!can.may('referrals:void')) return null;
  if (!open) {
    return (
      <button type="button" className="small" onClick={() => setOpen(true)}>
        Void…
      </button>
    );
  }
  return (
    <form
      className="row"
      aria-label={`Void the referral of ${referral.referred.name}`}
      onSubmit={(event: FormEvent) => {
        event.preventDefault();
        voidIt.mutate();
      }}
    >
      <label className="field">
        Why was it wrong?
        <input value={reason} onChange={(e) => setReason(e.target.value)} required maxLength={2000} />
      </label>
      <button type="submit" className="danger" disabled={voidIt.isPending || reason.trim() === ''}>
        Void and take back the reward
      </button>
      <button type="button" onClick={() => setOpen(false)}>
        Cancel
      </button>
      <ErrorBanner error={voidIt.error} />
    </form>
  );
}
