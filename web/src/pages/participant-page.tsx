import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { get, type Participant, patch, post } from '../api';
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
