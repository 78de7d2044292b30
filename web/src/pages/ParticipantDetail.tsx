import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { ReferralCreateSchema } from '../../../src/referrals/referral.schema.js';
import { REWARD_STATUSES } from '../../../src/rewards/lifecycle.core.js';
import {
  get,
  type MessageViewList,
  type Page,
  type Participant,
  patch,
  post,
  type Referral,
  type Reward,
} from '../api';
import { useCan } from '../app';
import { date, dateTime, humanize, money, moneyList } from '../format';
import { FormReader, type Issues } from '../forms';
import { PersonPicker } from '../picker';
import { Link } from '../router';
import { ChannelOutcome, ErrorBanner, FieldIssue, IssueBanner, Loading, StatusBadge, toast } from '../ui';
import { CreditsAndCodes } from './participant-credits';
import { PrivatePage, VoidReferral } from './participant-page';
import { PayoutsAndTax } from './participant-payouts';

/** Staff attribute a referral by hand: "she said Jessica sent her". */
function Attribute({ person }: { person: Participant }) {
  const client = useQueryClient();
  const [referrer, setReferrer] = useState<Participant | null>(null);
  const [note, setNote] = useState('');
  const [issues, setIssues] = useState<Issues>({});
  const create = useMutation({
    mutationFn: (body: unknown) => post<Referral>('/v1/referrals', body),
    onSuccess: (referral) => {
      toast(`Recorded: ${referral.referrer.name} referred ${person.name}`);
      setReferrer(null);
      setNote('');
      client.invalidateQueries();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const form = new FormReader();
    const body = form.check(ReferralCreateSchema, {
      referrerId: referrer?.id,
      referredId: person.id,
      source: 'manual',
      evidence: note ? { note } : undefined,
    });
    setIssues(form.issues);
    if (body) create.mutate(body);
  };
  return (
    <form className="card stack" onSubmit={submit} aria-label="Attribute a referral">
      <h2>Who referred {person.name}?</h2>
      <div className="form-grid">
        <div>
          <PersonPicker label="Referrer" value={referrer} onChange={setReferrer} exclude={person.id} />
          <FieldIssue issues={issues} name="referrerId" />
          <FieldIssue issues={issues} name="referredId" />
        </div>
        <label className="field" style={{ gridColumn: 'span 2' }}>
          Evidence
          <input value={note} onChange={(e) => setNote(e.target.value)} placeholder="She said Jessica sent her" />
          <FieldIssue issues={issues} name="evidence.note" />
        </label>
      </div>
      <IssueBanner issues={issues} fields={['referrerId', 'referredId', 'evidence']} />
      <ErrorBanner error={create.error} />
      <div>
        <button className="primary" type="submit" disabled={!referrer || create.isPending}>
          Record referral
        </button>
      </div>
    </form>
  );
}

function Consent({ person }: { person: Participant }) {
  const client = useQueryClient();
  const can = useCan();
  const update = useMutation({
    mutationFn: (body: Record<string, boolean>) => patch<Participant>(`/v1/participants/${person.id}`, body),
    onSuccess: (next) => client.setQueryData(['participant', person.id], next),
  });
  const toggle = (key: 'emailMarketingConsent' | 'smsMarketingConsent' | 'doNotContact', label: string) => (
    <label className="check">
      <input
        type="checkbox"
        checked={person[key]}
        disabled={!can.may('participants:write') || update.isPending}
        onChange={(e) => update.mutate({ [key]: e.target.checked })}
      />
      {label}
    </label>
  );
  return (
    <div className="stack" style={{ gap: 6 }}>
      {toggle('emailMarketingConsent', 'Email marketing consent')}
      {toggle('smsMarketingConsent', 'SMS marketing consent')}
      {toggle('doNotContact', 'Do not contact')}
      <ErrorBanner error={update.error} />
    </div>
  );
}

/** A referral's reward, if it converted: the API names the status in capitals, or NONE. */
function ReferralOutcome({ rewardStatus }: { rewardStatus: string }) {
  const status = REWARD_STATUSES.find((candidate) => candidate.toUpperCase() === rewardStatus);
  return status ? <StatusBadge status={status} /> : <span className="badge">no conversion yet</span>;
}

/** A section's list while it loads, or why it could not. */
function Pending({ query }: { query: { isPending: boolean; error: unknown } }) {
  if (query.error) return <ErrorBanner error={query.error} />;
  return query.isPending ? <p className="faint">Loading…</p> : null;
}

export function ParticipantDetail({ id }: { id: string }) {
  const can = useCan();
  const person = useQuery({ queryKey: ['participant', id], queryFn: () => get<Participant>(`/v1/participants/${id}`) });
  const made = useQuery({
    queryKey: ['referrals', 'by', id],
    queryFn: () => get<Page<Referral>>(`/v1/referrals?referrerId=${id}&limit=100`),
  });
  const received = useQuery({
    queryKey: ['referrals', 'of', id],
    queryFn: () => get<Page<Referral>>(`/v1/referrals?referredId=${id}&limit=100`),
  });
  const rewards = useQuery({
    queryKey: ['rewards', 'participant', id],
    queryFn: () => get<Page<Reward>>(`/v1/rewards?participantId=${id}&limit=100`),
  });
  const messages = useQuery({
    queryKey: ['messages', id],
    queryFn: () => get<MessageViewList>(`/v1/participants/${id}/messages`),
  });
  if (person.isPending) return <Loading />;
  if (person.error) return <ErrorBanner error={person.error} />;
  const p = person.data;
  return (
    <>
      <div className="page-head">
        <div>
          <div className="faint">
            <Link to="/participants">Participants</Link> / {p.referralCode}
          </div>
          <h1>{p.name}</h1>
          <p>
            {humanize(p.kind)} · {p.email ?? 'no email'} · {p.phone ?? 'no phone'}
            {p.externalId ? ` · CRM ${p.externalId}` : ''}
          </p>
        </div>
        <div className="figures" style={{ minWidth: 360 }}>
          <div className="card figure">
            <div className="value">{p.stats.referralsMade}</div>
            <div className="label">referrals made</div>
          </div>
          <div className="card figure">
            <div className="value">{p.stats.referralsSuccessful}</div>
            <div className="label">successful</div>
          </div>
          <div className="card figure">
            <div className="value" style={{ fontSize: 18 }}>
              {moneyList(p.stats.rewardsEarned)}
            </div>
            <div className="label">rewards earned</div>
          </div>
        </div>
      </div>
      <div className="grid-2">
        <section className="card">
          <h2>Referral link</h2>
          <div className="row">
            <code style={{ wordBreak: 'break-all' }}>{p.referralUrl}</code>
            <button
              type="button"
              onClick={() => navigator.clipboard?.writeText(p.referralUrl).then(() => toast('Link copied'))}
            >
              Copy
            </button>
          </div>
          <p className="faint" style={{ marginTop: 8 }}>
            Permanent: it never expires. Code {p.referralCode}.
          </p>
        </section>
        <section className="card">
          <h2>Contact and consent</h2>
          <Consent person={p} />
        </section>
      </div>
      <div style={{ marginTop: 14 }}>
        <PrivatePage person={p} />
      </div>
      {can.may('referrals:write') ? (
        <div style={{ marginTop: 14 }}>
          <Attribute person={p} />
        </div>
      ) : null}
      <div className="grid-2" style={{ marginTop: 14 }}>
        <section className="card">
          <h2>Referrals made</h2>
          <Pending query={made} />
          {made.data?.items.length === 0 ? (
            <p className="muted">{p.name} has not referred anyone yet. Share the link above.</p>
          ) : null}
          {made.data?.items.map((r) => (
            <div key={r.id} className="spread" style={{ padding: '6px 0', borderBottom: '1px solid var(--line)' }}>
              <span>
                <Link to={`/participants/${r.referred.id}`}>{r.referred.name}</Link>{' '}
                <span className="faint">
                  ({r.source}, {date(r.referredAt)})
                </span>
              </span>
              <span className="row">
                {r.voided ? null : <ReferralOutcome rewardStatus={r.rewardStatus} />}
                <VoidReferral referral={r} />
              </span>
            </div>
          ))}
        </section>
        <section className="card">
          <h2>Referred by</h2>
          <Pending query={received} />
          {received.data?.items.length === 0 ? (
            <p className="muted">Nobody is recorded as having referred {p.name}.</p>
          ) : null}
          {received.data?.items.map((r) => (
            <div key={r.id} style={{ padding: '6px 0', borderBottom: '1px solid var(--line)' }}>
              <Link to={`/participants/${r.referrer.id}`}>{r.referrer.name}</Link>{' '}
              <span className="faint">
                {r.source} · {date(r.referredAt)} · recorded by {r.recordedBy}
              </span>
              {typeof r.evidence.note === 'string' ? <div className="note">{r.evidence.note}</div> : null}
            </div>
          ))}
        </section>
      </div>
      <section className="card" style={{ marginTop: 14 }}>
        <h2>Rewards</h2>
        <Pending query={rewards} />
        {rewards.data?.items.length === 0 ? <p className="muted">No rewards involve {p.name} yet.</p> : null}
        {rewards.data?.items.map((r) => (
          <div key={r.id} className="spread" style={{ padding: '6px 0', borderBottom: '1px solid var(--line)' }}>
            <span>
              <Link to={`/rewards/${r.id}`}>{r.summary}</Link>{' '}
              <span className="faint">
                {r.referrer.id === p.id ? `for referring ${r.referred.name}` : `${r.referrer.name} referred them`} ·{' '}
                {date(r.createdAt)}
              </span>
            </span>
            <span className="row">
              <span>{money(r.amount, r.currency)}</span>
              <StatusBadge status={r.status} />
            </span>
          </div>
        ))}
      </section>
      <CreditsAndCodes participantId={p.id} name={p.name} />
      <PayoutsAndTax participantId={p.id} name={p.name} />
      <section className="card" style={{ marginTop: 14 }}>
        <h2>Messages</h2>
        <Pending query={messages} />
        {messages.data?.items.length === 0 ? <p className="muted">Nothing sent to {p.name} yet.</p> : null}
        {messages.data?.items.map((m) => (
          <div key={m.messageId} style={{ padding: '6px 0', borderBottom: '1px solid var(--line)' }}>
            <div className="row">
              <ChannelOutcome message={m} />
              <span className="faint">
                {humanize(m.kind)} · {dateTime(m.createdAt)}
              </span>
            </div>
            <div className="small muted" style={{ marginTop: 4 }}>
              {m.subject ? <strong>{m.subject} — </strong> : null}
              {m.bodyText.slice(0, 180)}
              {m.bodyText.length > 180 ? '…' : ''}
            </div>
          </div>
        ))}
      </section>
    </>
  );
}
