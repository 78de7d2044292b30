import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import {
  CreateWebhookEndpointSchema,
  type WebhookDelivery,
  type WebhookEndpoint,
} from '../../../../src/webhooks/webhook.schema.js';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../../../../src/webhooks/webhook-event.core.js';
import { api, get, type Page, patch, post } from '../../api';
import { dateTime } from '../../format';
import { FormReader, type Issues } from '../../forms';
import { ErrorBanner, FieldIssue, IssueBanner, Loading } from '../../ui';

const DELIVERY_BADGE: Record<WebhookDelivery['status'], string> = {
  pending: 'badge',
  sending: 'badge',
  succeeded: 'badge ok',
  failed: 'badge bad',
};

type WithSecret = WebhookEndpoint & { secret: string };

function SecretOnce({ endpoint, onDone }: { endpoint: WithSecret; onDone: () => void }) {
  return (
    <div className="banner ok" role="status">
      <p>Signing secret for {endpoint.url} — shown this once; verify deliveries with it (Standard Webhooks):</p>
      <code className="copy" style={{ wordBreak: 'break-all' }}>
        {endpoint.secret}
      </code>
      <div className="row">
        <button type="button" onClick={onDone}>
          I have stored it
        </button>
      </div>
    </div>
  );
}

function NewEndpoint({ onCreated }: { onCreated: (endpoint: WithSecret) => void }) {
  const client = useQueryClient();
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<WebhookEventType[]>(['reward.created', 'reward.approved', 'reward.sent']);
  const [issues, setIssues] = useState<Issues>({});
  const create = useMutation({
    mutationFn: (body: unknown) => post<WithSecret>('/v1/webhook-endpoints', body),
    onSuccess: (endpoint) => {
      setUrl('');
      setDescription('');
      onCreated(endpoint);
      client.invalidateQueries({ queryKey: ['webhook-endpoints'] });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const form = new FormReader();
    const body = form.check(CreateWebhookEndpointSchema, {
      url: url.trim(),
      events,
      ...(description.trim() ? { description: description.trim() } : {}),
    });
    setIssues(form.issues);
    if (body) create.mutate(body);
  };
  const toggle = (type: WebhookEventType, on: boolean) =>
    setEvents((current) => (on ? [...current, type] : current.filter((t) => t !== type)));
  return (
    <form className="card stack" onSubmit={submit} aria-label="New webhook endpoint">
      <h2>New endpoint</h2>
      <label className="field">
        URL
        <input
          type="url"
          placeholder="https://example.com/webhooks/rewardloop"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
        />
      </label>
      <FieldIssue issues={issues} name="url" />
      <label className="field">
        Description (optional)
        <input value={description} onChange={(e) => setDescription(e.target.value)} />
      </label>
      <FieldIssue issues={issues} name="description" />
      <fieldset className="plain">
        <legend className="faint">Events</legend>
        <div className="row" style={{ flexWrap: 'wrap' }}>
          {WEBHOOK_EVENT_TYPES.map((type) => (
            <label key={type} className="row">
              <input type="checkbox" checked={events.includes(type)} onChange={(e) => toggle(type, e.target.checked)} />
              {type}
            </label>
          ))}
        </div>
      </fieldset>
      <FieldIssue issues={issues} name="events" />
      <div className="row">
        <button type="submit" disabled={create.isPending}>
          Add endpoint
        </button>
      </div>
      <IssueBanner issues={issues} fields={['url', 'events', 'description']} />
      <ErrorBanner error={create.error} />
    </form>
  );
}

function Deliveries({ endpoint }: { endpoint: WebhookEndpoint }) {
  const client = useQueryClient();
  const deliveries = useQuery({
    queryKey: ['webhook-deliveries', endpoint.id],
    queryFn: () => get<Page<WebhookDelivery>>(`/v1/webhook-endpoints/${endpoint.id}/deliveries?limit=25`),
  });
  const retry = useMutation({
    mutationFn: (id: string) => post<WebhookDelivery>(`/v1/webhook-deliveries/${id}/retry`),
    onSuccess: () => client.invalidateQueries({ queryKey: ['webhook-deliveries', endpoint.id] }),
  });
  if (deliveries.error) return <ErrorBanner error={deliveries.error} />;
  if (!deliveries.data) return <Loading />;
  if (deliveries.data.items.length === 0) return <p className="faint">No deliveries yet.</p>;
  return (
    <>
      <table aria-label={`Deliveries to ${endpoint.url}`}>
        <thead>
          <tr>
            <th scope="col">Event</th>
            <th scope="col">Created</th>
            <th scope="col">Status</th>
            <th scope="col">Last answer</th>
            <th scope="col">Retry</th>
          </tr>
        </thead>
        <tbody>
          {deliveries.data.items.map((delivery) => (
            <tr key={delivery.id}>
              <td>
                {delivery.eventType}
                <span className="faint copy" style={{ display: 'block' }}>
                  {delivery.eventId}
                </span>
              </td>
              <td>{dateTime(delivery.createdAt)}</td>
              <td>
                <span className={DELIVERY_BADGE[delivery.status]}>{delivery.status}</span> {delivery.attempts} attempt
                {delivery.attempts === 1 ? '' : 's'}
                {delivery.nextAttemptAt ? (
                  <span className="faint" style={{ display: 'block' }}>
                    next {dateTime(delivery.nextAttemptAt)}
                  </span>
                ) : null}
              </td>
              <td>
                {delivery.lastStatusCode ?? '—'}
                {delivery.lastError ? (
                  <span className="faint" style={{ display: 'block' }}>
                    {delivery.lastError}
                  </span>
                ) : null}
              </td>
              <td>
                <button
                  type="button"
                  disabled={endpoint.disabled || retry.isPending || delivery.status === 'sending'}
                  onClick={() => retry.mutate(delivery.id)}
                  aria-label={`Retry ${delivery.eventType} ${delivery.eventId}`}
                >
                  Retry
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ErrorBanner error={retry.error} />
    </>
  );
}

function EndpointCard({ endpoint, onSecret }: { endpoint: WebhookEndpoint; onSecret: (e: WithSecret) => void }) {
  const client = useQueryClient();
  const refresh = () => client.invalidateQueries({ queryKey: ['webhook-endpoints'] });
  const toggle = useMutation({
    mutationFn: () => patch<WebhookEndpoint>(`/v1/webhook-endpoints/${endpoint.id}`, { disabled: !endpoint.disabled }),
    onSuccess: refresh,
  });
  const rotate = useMutation({
    mutationFn: () => post<WithSecret>(`/v1/webhook-endpoints/${endpoint.id}/rotate-secret`),
    onSuccess: (rotated) => {
      onSecret(rotated);
      refresh();
    },
  });
  const remove = useMutation({
    mutationFn: () => api<void>('DELETE', `/v1/webhook-endpoints/${endpoint.id}`),
    onSuccess: refresh,
  });
  return (
    <section className="card stack" aria-label={`Endpoint ${endpoint.url}`}>
      <h2 style={{ wordBreak: 'break-all' }}>{endpoint.url}</h2>
      <p>
        {endpoint.disabled ? <span className="badge bad">disabled</span> : <span className="badge ok">enabled</span>}{' '}
        {endpoint.description}
        {endpoint.disabledReason ? (
          <span className="faint" style={{ display: 'block' }}>
            Disabled {dateTime(endpoint.disabledAt)}: {endpoint.disabledReason}
          </span>
        ) : null}
        {endpoint.failingSince && !endpoint.disabled ? (
          <span className="faint" style={{ display: 'block' }}>
            Failing since {dateTime(endpoint.failingSince)}; disabled after three days of failures.
          </span>
        ) : null}
      </p>
      <p className="faint">Events: {endpoint.events.join(', ')}</p>
      <div className="row">
        <button type="button" disabled={toggle.isPending} onClick={() => toggle.mutate()}>
          {endpoint.disabled ? 'Enable' : 'Disable'}
        </button>
        <button type="button" disabled={rotate.isPending} onClick={() => rotate.mutate()}>
          Rotate secret
        </button>
        <button
          type="button"
          className="danger"
          disabled={remove.isPending}
          onClick={() => {
            if (window.confirm(`Delete the endpoint ${endpoint.url} and its deliveries?`)) remove.mutate();
          }}
        >
          Delete
        </button>
      </div>
      <ErrorBanner error={toggle.error ?? rotate.error ?? remove.error} />
      <h3>Recent deliveries</h3>
      <Deliveries endpoint={endpoint} />
    </section>
  );
}

/** Settings → Webhooks (owner only): endpoints, their recent deliveries with status codes, Retry. */
export function WebhooksPage() {
  const [secret, setSecret] = useState<WithSecret | null>(null);
  const endpoints = useQuery({
    queryKey: ['webhook-endpoints'],
    queryFn: () => get<{ items: WebhookEndpoint[] }>('/v1/webhook-endpoints'),
  });
  return (
    <section className="stack" aria-label="Webhooks">
      <p className="faint">
        Rewardloop posts events to your endpoints, signed as Standard Webhooks (webhook-id, webhook-timestamp,
        webhook-signature). Failed deliveries are retried with the same webhook-id for about three days.
      </p>
      {secret ? <SecretOnce endpoint={secret} onDone={() => setSecret(null)} /> : null}
      <NewEndpoint onCreated={setSecret} />
      {endpoints.error ? <ErrorBanner error={endpoints.error} /> : null}
      {!endpoints.data ? (
        endpoints.error ? null : (
          <Loading />
        )
      ) : endpoints.data.items.length === 0 ? (
        <p className="faint">No endpoints yet.</p>
      ) : (
        endpoints.data.items.map((endpoint) => (
          <EndpointCard key={endpoint.id} endpoint={endpoint} onSecret={setSecret} />
        ))
      )}
    </section>
  );
}
