import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import {
  type IntegrationStatus,
  TremendousSettingsInputSchema,
} from '../../../../src/integrations/integration.schema.js';
import { put } from '../../api';
import { dateTime } from '../../format';
import { FormReader, type Issues } from '../../forms';
import { ErrorBanner, FieldIssue, IssueBanner } from '../../ui';

/**
 * Tremendous: the key, campaign and funding source gift cards are ordered with. The key is sent
 * once and never shown again; saving a new one rotates it.
 */
export function TremendousCard({ status }: { status: IntegrationStatus }) {
  const client = useQueryClient();
  const [draft, setDraft] = useState({
    apiKey: '',
    campaignId: status.campaignId ?? '',
    fundingSourceId: status.fundingSourceId ?? '',
    apiUrl: status.apiUrl ?? 'https://www.tremendous.com',
  });
  const [issues, setIssues] = useState<Issues>({});
  const [saved, setSaved] = useState(false);
  const save = useMutation({
    mutationFn: (body: unknown) => put<IntegrationStatus>('/v1/integrations/tremendous', body),
    onSuccess: () => {
      setDraft((d) => ({ ...d, apiKey: '' }));
      setSaved(true);
      client.invalidateQueries({ queryKey: ['integrations'] });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const form = new FormReader();
    const body = form.check(TremendousSettingsInputSchema, {
      apiKey: draft.apiKey.trim(),
      campaignId: draft.campaignId.trim(),
      fundingSourceId: draft.fundingSourceId.trim(),
      apiUrl: draft.apiUrl.trim(),
    });
    setIssues(form.issues);
    setSaved(false);
    if (body) save.mutate(body);
  };
  return (
    <section className="card stack" aria-label="Tremendous">
      <h2>Tremendous</h2>
      <p className="faint">
        With “Order gift cards from Tremendous” on in the reward policy, each approved gift card is ordered here and
        marked sent with the order id; a refused order moves to the Failed lane in Rewards with Tremendous’ reason.
      </p>
      <p className="faint">
        {status.configured
          ? `Connected with key ${status.secretHint ?? ''}${status.updatedAt ? `, saved ${dateTime(status.updatedAt)}` : ''}.`
          : 'Not connected yet.'}
      </p>
      <form className="stack" onSubmit={submit} aria-label="Tremendous connection">
        <label>
          API key (never shown again)
          <input
            type="password"
            autoComplete="off"
            value={draft.apiKey}
            onChange={(e) => setDraft({ ...draft, apiKey: e.target.value })}
          />
        </label>
        <FieldIssue issues={issues} name="apiKey" />
        <label>
          Campaign id
          <input value={draft.campaignId} onChange={(e) => setDraft({ ...draft, campaignId: e.target.value })} />
        </label>
        <FieldIssue issues={issues} name="campaignId" />
        <label>
          Funding source id
          <input
            value={draft.fundingSourceId}
            onChange={(e) => setDraft({ ...draft, fundingSourceId: e.target.value })}
          />
        </label>
        <FieldIssue issues={issues} name="fundingSourceId" />
        <label>
          Tremendous API URL (https://testflight.tremendous.com for the sandbox)
          <input value={draft.apiUrl} onChange={(e) => setDraft({ ...draft, apiUrl: e.target.value })} />
        </label>
        <FieldIssue issues={issues} name="apiUrl" />
        <div className="row">
          <button type="submit" disabled={save.isPending}>
            {status.configured ? 'Save Tremendous' : 'Connect Tremendous'}
          </button>
        </div>
        {saved ? <div className="banner ok">Saved. The key is stored encrypted.</div> : null}
        <IssueBanner issues={issues} fields={['apiKey', 'campaignId', 'fundingSourceId', 'apiUrl']} />
        <ErrorBanner error={save.error} />
      </form>
    </section>
  );
}
