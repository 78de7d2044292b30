import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { WorkspaceSettingsInputSchema } from '../../../../src/workspaces/workspace.schema.js';
import { get, type OutboxStatus, patch, type WorkspaceSettings } from '../../api';
import { useCan } from '../../app';
import { FormReader, type Issues } from '../../forms';
import { ErrorBanner, FieldIssue, IssueBanner, Loading, toast } from '../../ui';

const FIELDS = ['senderName', 'companyName', 'defaultCountry', 'smsDailyCap', 'notifyEmails', 'notifyRewardIssued'];

type SenderDraft = {
  senderName: string;
  companyName: string;
  notifyEmails: string;
  smsDailyCap: string;
  defaultCountry: string;
  notifyRewardIssued: boolean;
};

function toDraft(settings: WorkspaceSettings): SenderDraft {
  return {
    senderName: settings.senderName ?? '',
    companyName: settings.companyName ?? '',
    notifyEmails: settings.notifyEmails.join(', '),
    smsDailyCap: String(settings.smsDailyCap),
    defaultCountry: settings.defaultCountry,
    notifyRewardIssued: settings.notifyRewardIssued,
  };
}

function readDraft(draft: SenderDraft) {
  const form = new FormReader();
  const body = form.check(WorkspaceSettingsInputSchema, {
    senderName: draft.senderName || null,
    companyName: draft.companyName || null,
    notifyEmails: draft.notifyEmails.split(/[,\s]+/).filter(Boolean),
    smsDailyCap: form.whole(draft.smsDailyCap, 'smsDailyCap') ?? 0,
    defaultCountry: draft.defaultCountry.toUpperCase(),
    notifyRewardIssued: draft.notifyRewardIssued,
  });
  return { body, issues: form.issues };
}

/** Messages the provider refused because of the server's configuration: they wait, visibly. */
function HeldMessages() {
  const outbox = useQuery({ queryKey: ['outbox'], queryFn: () => get<OutboxStatus>('/v1/messaging/outbox') });
  if (!outbox.data) return null;
  const held = (['email', 'sms'] as const).filter((channel) => outbox.data[channel].held > 0);
  if (held.length === 0) return null;
  return (
    <div className="banner error" role="alert" aria-label="Messages on hold">
      {held.map((channel) => {
        const c = outbox.data[channel];
        return (
          <p key={channel}>
            {c.held} {channel === 'email' ? 'email' : 'text'}
            {c.held === 1 ? '' : 's'} on hold: the provider refused the server’s configuration (
            {channel === 'email' ? 'EMAIL_FROM, SMTP_URL or RESEND_API_KEY' : 'TWILIO_FROM or the Twilio credentials'}
            ). They go out once it is fixed and the server restarted. The provider said: {c.heldBecause}
          </p>
        );
      })}
    </div>
  );
}

export function SenderPage() {
  const can = useCan();
  const client = useQueryClient();
  const settings = useQuery({ queryKey: ['workspace'], queryFn: () => get<WorkspaceSettings>('/v1/workspace') });
  const [draft, setDraft] = useState<SenderDraft | null>(null);
  const [issues, setIssues] = useState<Issues>({});
  useEffect(() => {
    if (settings.data) setDraft(toDraft(settings.data));
  }, [settings.data]);
  const save = useMutation({
    mutationFn: (body: unknown) => patch<WorkspaceSettings>('/v1/workspace', body),
    onSuccess: (saved) => {
      client.setQueryData(['workspace'], saved);
      toast('Settings saved');
    },
  });
  if (settings.error) return <ErrorBanner error={settings.error} />;
  if (!draft) return <Loading />;
  const set = (change: Partial<SenderDraft>) => setDraft({ ...draft, ...change });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const { body, issues } = readDraft(draft);
    setIssues(issues);
    if (body) save.mutate(body);
  };
  return (
    <form className="card stack" aria-label="Sender and notifications" onSubmit={submit}>
      <h2>Sender and notifications</h2>
      <HeldMessages />
      <p className="faint">
        Thank-yous are signed “{draft.senderName || draft.companyName || '…'}
        {draft.senderName && draft.companyName ? `, ${draft.companyName}` : ''}”.
      </p>
      <fieldset disabled={!can.may('settings:write')} className="plain stack">
        <div className="form-grid">
          <label className="field">
            Sender name
            <input
              value={draft.senderName}
              onChange={(e) => set({ senderName: e.target.value })}
              placeholder="Jane Agent"
            />
            <FieldIssue issues={issues} name="senderName" />
          </label>
          <label className="field">
            Company
            <input
              value={draft.companyName}
              onChange={(e) => set({ companyName: e.target.value })}
              placeholder="Acme Realty"
            />
            <FieldIssue issues={issues} name="companyName" />
          </label>
          <label className="field">
            Phone country
            <input
              maxLength={2}
              value={draft.defaultCountry}
              onChange={(e) => set({ defaultCountry: e.target.value.toUpperCase() })}
            />
            <FieldIssue issues={issues} name="defaultCountry" />
          </label>
          <label className="field">
            SMS per person per day
            <input
              inputMode="numeric"
              value={draft.smsDailyCap}
              onChange={(e) => set({ smsDailyCap: e.target.value })}
            />
            <FieldIssue issues={issues} name="smsDailyCap" />
          </label>
        </div>
        <label className="field">
          “Reward ready to send” goes to
          <input
            value={draft.notifyEmails}
            onChange={(e) => set({ notifyEmails: e.target.value })}
            placeholder="office@example.com, jane@example.com"
          />
          <FieldIssue issues={issues} name="notifyEmails" />
          {Object.entries(issues)
            .filter(([key]) => key.startsWith('notifyEmails.'))
            .slice(0, 1)
            .map(([key, message]) => (
              <span key={key} className="field-issue">
                Address {Number(key.split('.')[1]) + 1}: {message}
              </span>
            ))}
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={draft.notifyRewardIssued}
            onChange={(e) => set({ notifyRewardIssued: e.target.checked })}
          />
          Also send the referrer a “reward issued” notice when a reward is marked sent
        </label>
        <IssueBanner issues={issues} fields={FIELDS} />
        <ErrorBanner error={save.error} />
        {can.may('settings:write') ? (
          <div>
            <button className="primary" type="submit" disabled={save.isPending}>
              Save
            </button>
          </div>
        ) : (
          <span className="faint">Only the owner can change these settings.</span>
        )}
      </fieldset>
    </form>
  );
}
