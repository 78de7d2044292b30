import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import {
  HubspotSettingsInputSchema,
  type IntegrationEvent,
  type IntegrationStatus,
  type IntegrationsOverview,
  StripeSettingsInputSchema,
} from '../../../../src/integrations/integration.schema.js';
import { get, put } from '../../api';
import { dateTime } from '../../format';
import { FormReader, type Issues } from '../../forms';
import { ErrorBanner, FieldIssue, IssueBanner, Loading } from '../../ui';
import { TremendousCard } from './TremendousCard';

const STATUS_BADGE: Record<IntegrationEvent['status'], string> = {
  processing: 'badge',
  applied: 'badge ok',
  ignored: 'badge',
  failed: 'badge bad',
};

function Endpoint({ status }: { status: IntegrationStatus }) {
  return (
    <p>
      Webhook URL to paste into {status.provider === 'stripe' ? 'Stripe' : 'HubSpot'}:{' '}
      <code className="copy" style={{ wordBreak: 'break-all' }}>
        {status.endpointUrl}
      </code>
      <span className="faint" style={{ display: 'block' }}>
        {status.configured
          ? `Secret ${status.secretHint ?? ''} set ${status.updatedAt ? dateTime(status.updatedAt) : ''}${
              status.previousValidUntil
                ? `; the previous one is accepted until ${dateTime(status.previousValidUntil)}`
                : ''
            }`
          : 'Not connected yet.'}
      </span>
    </p>
  );
}

function useSave(path: string, onSaved: () => void) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: unknown) => put<IntegrationStatus>(path, body),
    onSuccess: () => {
      onSaved();
      client.invalidateQueries({ queryKey: ['integrations'] });
    },
  });
}

function StripeCard({ status }: { status: IntegrationStatus }) {
  const [secret, setSecret] = useState('');
  const [keepPrevious, setKeepPrevious] = useState(status.configured);
  const [issues, setIssues] = useState<Issues>({});
  const [saved, setSaved] = useState(false);
  const save = useSave('/v1/integrations/stripe', () => {
    setSecret('');
    setSaved(true);
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const form = new FormReader();
    const body = form.check(StripeSettingsInputSchema, { webhookSecret: secret.trim(), keepPrevious });
    setIssues(form.issues);
    setSaved(false);
    if (body) save.mutate(body);
  };
  return (
    <section className="card stack" aria-label="Stripe">
      <h2>Stripe</h2>
      <p className="faint">
        Paid invoices become conversions, refunds and disputes reverse them, and a checkout with a referral code
        (client_reference_id or metadata.referral_code) records the referral. In Stripe, add an endpoint for
        checkout.session.completed, invoice.paid, charge.refunded and charge.dispute.created.
      </p>
      <Endpoint status={status} />
      <form className="stack" onSubmit={submit} aria-label="Stripe signing secret">
        <label>
          Signing secret (whsec_…, never shown again)
          <input type="password" autoComplete="off" value={secret} onChange={(e) => setSecret(e.target.value)} />
        </label>
        <FieldIssue issues={issues} name="webhookSecret" />
        {status.configured ? (
          <label className="row">
            <input type="checkbox" checked={keepPrevious} onChange={(e) => setKeepPrevious(e.target.checked)} />
            Keep the current secret valid for 24 hours while Stripe switches
          </label>
        ) : null}
        <div className="row">
          <button type="submit" disabled={save.isPending}>
            {status.configured ? 'Rotate secret' : 'Connect Stripe'}
          </button>
        </div>
        {saved ? <div className="banner ok">Saved. The secret is stored encrypted.</div> : null}
        <IssueBanner issues={issues} fields={['webhookSecret', 'keepPrevious']} />
        <ErrorBanner error={save.error} />
      </form>
    </section>
  );
}

function HubspotCard({ status }: { status: IntegrationStatus }) {
  const [draft, setDraft] = useState({
    clientSecret: '',
    accessToken: '',
    stages: (status.closedWonStages ?? ['closedwon']).join(', '),
    apiUrl: status.apiUrl ?? 'https://api.hubapi.com',
  });
  const [keepPrevious, setKeepPrevious] = useState(status.configured);
  const [issues, setIssues] = useState<Issues>({});
  const [saved, setSaved] = useState(false);
  const save = useSave('/v1/integrations/hubspot', () => {
    setDraft((d) => ({ ...d, clientSecret: '', accessToken: '' }));
    setSaved(true);
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const form = new FormReader();
    const body = form.check(HubspotSettingsInputSchema, {
      clientSecret: draft.clientSecret.trim(),
      accessToken: draft.accessToken.trim(),
      closedWonStages: draft.stages
        .split(',')
        .map((stage) => stage.trim())
        .filter(Boolean),
      apiUrl: draft.apiUrl.trim(),
      keepPrevious,
    });
    setIssues(form.issues);
    setSaved(false);
    if (body) save.mutate(body);
  };
  return (
    <section className="card stack" aria-label="HubSpot">
      <h2>HubSpot</h2>
      <p className="faint">
        A deal moving to a closed-won stage becomes a deal_won conversion with the deal's amount, for the deal's first
        contact (a participant whose external id is the contact id, else the one with the contact's email). Subscribe
        your app to deal.propertyChange on dealstage.
      </p>
      <Endpoint status={status} />
      <form className="stack" onSubmit={submit} aria-label="HubSpot connection">
        <label>
          App client secret (never shown again)
          <input
            type="password"
            autoComplete="off"
            value={draft.clientSecret}
            onChange={(e) => setDraft({ ...draft, clientSecret: e.target.value })}
          />
        </label>
        <FieldIssue issues={issues} name="clientSecret" />
        <label>
          Access token (reads deals and contacts; never shown again)
          <input
            type="password"
            autoComplete="off"
            value={draft.accessToken}
            onChange={(e) => setDraft({ ...draft, accessToken: e.target.value })}
          />
        </label>
        <FieldIssue issues={issues} name="accessToken" />
        <label>
          Closed-won stages (comma-separated stage ids)
          <input value={draft.stages} onChange={(e) => setDraft({ ...draft, stages: e.target.value })} />
        </label>
        <FieldIssue issues={issues} name="closedWonStages" />
        <label>
          HubSpot API URL
          <input value={draft.apiUrl} onChange={(e) => setDraft({ ...draft, apiUrl: e.target.value })} />
        </label>
        <FieldIssue issues={issues} name="apiUrl" />
        {status.configured ? (
          <label className="row">
            <input type="checkbox" checked={keepPrevious} onChange={(e) => setKeepPrevious(e.target.checked)} />
            Keep the current client secret valid for 24 hours while rotating
          </label>
        ) : null}
        <div className="row">
          <button type="submit" disabled={save.isPending}>
            {status.configured ? 'Save HubSpot' : 'Connect HubSpot'}
          </button>
        </div>
        {saved ? <div className="banner ok">Saved. The secret and token are stored encrypted.</div> : null}
        <IssueBanner
          issues={issues}
          fields={['clientSecret', 'accessToken', 'closedWonStages', 'apiUrl', 'keepPrevious']}
        />
        <ErrorBanner error={save.error} />
      </form>
    </section>
  );
}

function RecentEvents({ events }: { events: IntegrationEvent[] }) {
  return (
    <section className="card stack" aria-label="Events received">
      <h2>Events received</h2>
      {events.length === 0 ? (
        <p className="faint">Nothing received yet. Events appear here once their signature checks.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Received</th>
              <th scope="col">From</th>
              <th scope="col">Event</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {events.map((event) => (
              <tr key={`${event.provider}:${event.eventId}`}>
                <td>{dateTime(event.receivedAt)}</td>
                <td>{event.provider === 'stripe' ? 'Stripe' : 'HubSpot'}</td>
                <td>
                  {event.type}
                  <span className="faint copy" style={{ display: 'block' }}>
                    {event.eventId}
                  </span>
                </td>
                <td>
                  <span className={STATUS_BADGE[event.status]}>{event.status}</span> {event.detail}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** Settings → Integrations (owner only): where Stripe and HubSpot post, their secrets, what arrived; Tremendous. */
export function IntegrationsPage() {
  const overview = useQuery({
    queryKey: ['integrations'],
    queryFn: () => get<IntegrationsOverview>('/v1/integrations'),
  });
  if (overview.error) return <ErrorBanner error={overview.error} />;
  if (!overview.data) return <Loading />;
  const byProvider = (provider: IntegrationStatus['provider']) =>
    overview.data.integrations.find((status) => status.provider === provider);
  const stripe = byProvider('stripe');
  const hubspot = byProvider('hubspot');
  const tremendous = byProvider('tremendous');
  return (
    <section className="stack" aria-label="Integrations">
      {overview.data.secretsAvailable ? null : (
        <div className="banner bad">
          This server has no key to encrypt secrets with: set REWARDLOOP_SECRET_KEY and restart before connecting.
        </div>
      )}
      {stripe ? <StripeCard key={`stripe-${stripe.updatedAt}`} status={stripe} /> : null}
      {hubspot ? <HubspotCard key={`hubspot-${hubspot.updatedAt}`} status={hubspot} /> : null}
      {tremendous ? <TremendousCard key={`tremendous-${tremendous.updatedAt}`} status={tremendous} /> : null}
      <RecentEvents events={overview.data.recentEvents} />
    </section>
  );
}
