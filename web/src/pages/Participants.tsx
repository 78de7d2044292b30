import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { ParticipantCreateSchema } from '../../../src/participants/participant.schema.js';
import { PARTICIPANT_KINDS } from '../../../src/shared/vocabulary.js';
import { get, type Page, type Participant, post } from '../api';
import { useCan } from '../app';
import { humanize, moneyList } from '../format';
import { FormReader, type Issues } from '../forms';
import { Link, useLocation } from '../router';
import { ErrorBanner, FieldIssue, IssueBanner, Loading, LoadMore, toast } from '../ui';

const ADD_FIELDS = ['name', 'email', 'phone', 'kind', 'externalId'];

/** Kinds as a select shows them ("Customer"), or as a filter of many ("Customers"). */
function KindOptions({ plural = false }: { plural?: boolean }) {
  return (
    <>
      {PARTICIPANT_KINDS.map((kind) => (
        <option key={kind} value={kind}>
          {humanize(kind)}
          {plural ? 's' : ''}
        </option>
      ))}
    </>
  );
}

function AddParticipant({ onDone }: { onDone: (p: Participant) => void }) {
  const client = useQueryClient();
  const [form, setForm] = useState({
    name: '',
    email: '',
    phone: '',
    kind: 'customer',
    externalId: '',
    emailMarketingConsent: false,
    smsMarketingConsent: false,
  });
  const [issues, setIssues] = useState<Issues>({});
  const create = useMutation({
    mutationFn: (body: unknown) => post<Participant>('/v1/participants', body),
    onSuccess: (person) => {
      client.invalidateQueries({ queryKey: ['participants'] });
      // The new person's page first: the toast belongs to the screen it is shown on.
      onDone(person);
      toast(`${person.name} added with code ${person.referralCode}`);
    },
  });
  const set = (key: string, value: string | boolean) => setForm((f) => ({ ...f, [key]: value }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const reader = new FormReader();
    const body = reader.check(ParticipantCreateSchema, {
      name: form.name,
      kind: form.kind,
      emailMarketingConsent: form.emailMarketingConsent,
      smsMarketingConsent: form.smsMarketingConsent,
      ...(form.email ? { email: form.email } : {}),
      ...(form.phone ? { phone: form.phone } : {}),
      ...(form.externalId ? { externalId: form.externalId } : {}),
    });
    setIssues(reader.issues);
    if (body) create.mutate(body);
  };
  return (
    <form className="card stack" onSubmit={submit} aria-label="Add a participant">
      <h2>Add a participant</h2>
      <div className="form-grid">
        <label className="field">
          Name
          <input value={form.name} onChange={(e) => set('name', e.target.value)} autoFocus />
          <FieldIssue issues={issues} name="name" />
        </label>
        <label className="field">
          Email
          <input type="email" value={form.email} onChange={(e) => set('email', e.target.value)} />
          <FieldIssue issues={issues} name="email" />
        </label>
        <label className="field">
          Phone
          <input
            type="tel"
            value={form.phone}
            onChange={(e) => set('phone', e.target.value)}
            placeholder="+1 415 555 0100"
          />
          <FieldIssue issues={issues} name="phone" />
        </label>
        <label className="field">
          Kind
          <select value={form.kind} onChange={(e) => set('kind', e.target.value)}>
            <KindOptions />
          </select>
        </label>
        <label className="field">
          CRM id (optional)
          <input value={form.externalId} onChange={(e) => set('externalId', e.target.value)} />
          <FieldIssue issues={issues} name="externalId" />
        </label>
      </div>
      <div className="row">
        <label className="check">
          <input
            type="checkbox"
            checked={form.emailMarketingConsent}
            onChange={(e) => set('emailMarketingConsent', e.target.checked)}
          />{' '}
          Email consent
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={form.smsMarketingConsent}
            onChange={(e) => set('smsMarketingConsent', e.target.checked)}
          />{' '}
          SMS consent
        </label>
      </div>
      <IssueBanner issues={issues} fields={ADD_FIELDS} />
      <ErrorBanner error={create.error} />
      <div className="row">
        <button className="primary" type="submit" disabled={create.isPending}>
          Add participant
        </button>
      </div>
    </form>
  );
}

export function Participants() {
  const can = useCan();
  const { navigate } = useLocation();
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  const [kind, setKind] = useState('');
  const [adding, setAdding] = useState(false);
  useEffect(() => {
    const timer = setTimeout(() => setQuery(q.trim()), 250);
    return () => clearTimeout(timer);
  }, [q]);
  const people = useInfiniteQuery({
    queryKey: ['participants', query, kind],
    queryFn: ({ pageParam }) =>
      get<Page<Participant>>(
        `/v1/participants?limit=25${query ? `&q=${encodeURIComponent(query)}` : ''}${kind ? `&kind=${kind}` : ''}${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ''}`,
      ),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const items = people.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Participants</h1>
          <p>
            Everyone who refers or was referred: their permanent link, referrals made and successful, rewards earned.
          </p>
        </div>
        {can.may('participants:write') ? (
          <button type="button" className="primary" onClick={() => setAdding((v) => !v)} aria-expanded={adding}>
            {adding ? 'Close' : 'Add participant'}
          </button>
        ) : null}
      </div>
      {adding ? <AddParticipant onDone={(person) => navigate(`/participants/${person.id}`)} /> : null}
      <div className="card" style={{ marginTop: adding ? 14 : 0 }}>
        <div className="row" style={{ marginBottom: 10 }}>
          <input
            type="search"
            placeholder="Search name, email, phone, code"
            aria-label="Search participants"
            value={q}
            onChange={(e) => setQ(e.target.value)}
            style={{ flex: 1, minWidth: 220 }}
          />
          <select value={kind} onChange={(e) => setKind(e.target.value)} aria-label="Kind">
            <option value="">All kinds</option>
            <KindOptions plural />
          </select>
        </div>
        <ErrorBanner error={people.error} />
        {people.isPending ? <Loading /> : null}
        {!people.isPending && items.length === 0 ? (
          <div className="empty">
            <strong>{query || kind ? 'Nobody matches' : 'No participants yet'}</strong>
            {query || kind
              ? 'Try another search.'
              : 'Add your first referrer, or send them from your CRM with POST /v1/participants.'}
          </div>
        ) : null}
        {items.length > 0 ? (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Referral link</th>
                  <th className="right">Referrals</th>
                  <th className="right">Successful</th>
                  <th className="right">Rewards earned</th>
                </tr>
              </thead>
              <tbody>
                {items.map((person) => (
                  <tr key={person.id}>
                    <td>
                      <Link to={`/participants/${person.id}`}>{person.name}</Link>
                      <div className="faint">
                        {person.kind}
                        {person.email ? ` · ${person.email}` : ''}
                        {person.doNotContact ? ' · do not contact' : ''}
                      </div>
                    </td>
                    <td>
                      <span className="copy">{person.referralUrl}</span>
                    </td>
                    <td className="right">{person.stats.referralsMade}</td>
                    <td className="right">{person.stats.referralsSuccessful}</td>
                    <td className="right nowrap">{moneyList(person.stats.rewardsEarned)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        <LoadMore query={people} />
      </div>
    </>
  );
}
