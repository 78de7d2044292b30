import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { WorkspaceSettingsInputSchema } from '../../../../src/workspaces/workspace.schema.js';
import { get, type ProgramRules, patch, put, type WorkspaceSettings } from '../../api';
import { useCan } from '../../app';
import { FormReader, type Issues } from '../../forms';
import { ErrorBanner, FieldIssue, IssueBanner, Loading, toast } from '../../ui';
import { readRulesDraft, rulesToDraft } from './rules-draft';

type Draft = { timeZone: string; windowOn: boolean; start: string; end: string; publicLeaderboard: boolean };

/** When invitations and thank-yous may go out, and whether the public leaderboard is on (owner). */
function SendingForm({ settings }: { settings: WorkspaceSettings }) {
  const can = useCan();
  const client = useQueryClient();
  const [draft, setDraft] = useState<Draft>({
    timeZone: settings.timeZone,
    windowOn: settings.sendWindow !== null,
    start: settings.sendWindow?.start ?? '09:00',
    end: settings.sendWindow?.end ?? '20:00',
    publicLeaderboard: settings.publicLeaderboard,
  });
  const [issues, setIssues] = useState<Issues>({});
  const save = useMutation({
    mutationFn: (body: unknown) => patch<WorkspaceSettings>('/v1/workspace', body),
    onSuccess: (saved) => {
      client.setQueryData(['workspace'], saved);
      toast('Saved');
    },
  });
  const set = (change: Partial<Draft>) => setDraft({ ...draft, ...change });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const form = new FormReader();
    const body = form.check(WorkspaceSettingsInputSchema, {
      timeZone: draft.timeZone,
      sendWindow: draft.windowOn ? { start: draft.start, end: draft.end } : null,
      publicLeaderboard: draft.publicLeaderboard,
    });
    setIssues(form.issues);
    if (body) save.mutate(body);
  };
  return (
    <form className="card stack" aria-label="Sending hours and public leaderboard" onSubmit={submit}>
      <h2>Sending hours and public leaderboard</h2>
      <ErrorBanner error={save.error} />
      <IssueBanner issues={issues} fields={['timeZone', 'sendWindow.start', 'sendWindow.end', 'publicLeaderboard']} />
      <fieldset disabled={!can.may('settings:write')} className="plain stack">
        <label className="check">
          <input type="checkbox" checked={draft.windowOn} onChange={(e) => set({ windowOn: e.target.checked })} />
          Send invitations and thank-yous only during these hours (queued outside them, they wait)
        </label>
        <div className="form-grid">
          <label className="field">
            Time zone
            <input
              value={draft.timeZone}
              onChange={(e) => set({ timeZone: e.target.value })}
              placeholder="America/Chicago"
            />
            <FieldIssue issues={issues} name="timeZone" />
          </label>
          <label className="field">
            From
            <input
              type="time"
              disabled={!draft.windowOn}
              value={draft.start}
              onChange={(e) => set({ start: e.target.value })}
            />
            <FieldIssue issues={issues} name="sendWindow.start" />
          </label>
          <label className="field">
            Until
            <input
              type="time"
              disabled={!draft.windowOn}
              value={draft.end}
              onChange={(e) => set({ end: e.target.value })}
            />
            <FieldIssue issues={issues} name="sendWindow.end" />
          </label>
        </div>
        <label className="check">
          <input
            type="checkbox"
            checked={draft.publicLeaderboard}
            onChange={(e) => set({ publicLeaderboard: e.target.checked })}
          />
          Public leaderboard at /leaderboard/{settings.slug}: referrers who opted in, first name and initial only
        </label>
        <div>
          <button className="primary" type="submit" disabled={save.isPending}>
            Save
          </button>
        </div>
      </fieldset>
    </form>
  );
}

/** Who is invited to refer after a job: the program rules' invitation terms (a new rules version). */
function InvitationForm({ rules }: { rules: ProgramRules }) {
  const can = useCan();
  const client = useQueryClient();
  const [draft, setDraft] = useState({
    inviteMinScore: String(rules.inviteMinScore),
    inviteChannel: rules.inviteChannel,
    inviteCooldownDays: String(rules.inviteCooldownDays),
    inviteDelayHours: String(rules.inviteDelayHours),
  });
  const [issues, setIssues] = useState<Issues>({});
  const save = useMutation({
    mutationFn: (body: unknown) => put<ProgramRules>('/v1/program-rules', body),
    onSuccess: (saved) => {
      client.setQueryData(['rules'], saved);
      client.invalidateQueries({ queryKey: ['rules'] });
      toast(`Invitation rules saved (rules version ${saved.version})`);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const form = new FormReader();
    const whole = (value: string, field: string) => form.whole(value, field) ?? Number.NaN;
    // The rest of the rules goes back as it is (the rules form's own conversion): only these change.
    const { body, issues: ruleIssues } = readRulesDraft(
      {
        ...rulesToDraft(rules),
        invite: {
          inviteMinScore: whole(draft.inviteMinScore, 'inviteMinScore'),
          inviteChannel: draft.inviteChannel,
          inviteCooldownDays: whole(draft.inviteCooldownDays, 'inviteCooldownDays'),
          inviteDelayHours: whole(draft.inviteDelayHours, 'inviteDelayHours'),
        },
      },
      rules.velocity,
    );
    setIssues({ ...ruleIssues, ...form.issues });
    if (body && Object.keys(form.issues).length === 0) save.mutate(body);
  };
  const set = (change: Partial<typeof draft>) => setDraft({ ...draft, ...change });
  return (
    <form className="card stack" aria-label="Invitations after a job" onSubmit={submit} style={{ marginTop: 14 }}>
      <h2>Invitations after a job</h2>
      <p className="faint">
        A completed job (POST /v1/jobs) scored at or above the threshold invites the customer to refer, once per
        cooldown; unhappy customers are never asked. Marketing consent applies.
      </p>
      <ErrorBanner error={save.error} />
      <fieldset disabled={!can.may('rules:write')} className="plain stack">
        <div className="form-grid">
          <label className="field">
            Lowest score that invites (1-5)
            <input
              inputMode="numeric"
              value={draft.inviteMinScore}
              onChange={(e) => set({ inviteMinScore: e.target.value })}
            />
            <FieldIssue issues={issues} name="inviteMinScore" />
          </label>
          <label className="field">
            Channel
            <select
              value={draft.inviteChannel}
              onChange={(e) => set({ inviteChannel: e.target.value as ProgramRules['inviteChannel'] })}
            >
              <option value="sms">Text</option>
              <option value="email">Email</option>
              <option value="email_and_sms">Email and text</option>
            </select>
          </label>
          <label className="field">
            Cooldown (days)
            <input
              inputMode="numeric"
              value={draft.inviteCooldownDays}
              onChange={(e) => set({ inviteCooldownDays: e.target.value })}
            />
            <FieldIssue issues={issues} name="inviteCooldownDays" />
          </label>
          <label className="field">
            Delay after the job (hours)
            <input
              inputMode="numeric"
              value={draft.inviteDelayHours}
              onChange={(e) => set({ inviteDelayHours: e.target.value })}
            />
            <FieldIssue issues={issues} name="inviteDelayHours" />
          </label>
        </div>
        <div>
          <button className="primary" type="submit" disabled={save.isPending}>
            Save invitation rules
          </button>
        </div>
      </fieldset>
    </form>
  );
}

export function GrowthPage() {
  const settings = useQuery({ queryKey: ['workspace'], queryFn: () => get<WorkspaceSettings>('/v1/workspace') });
  const rules = useQuery({ queryKey: ['rules'], queryFn: () => get<ProgramRules>('/v1/program-rules') });
  if (settings.error || rules.error) return <ErrorBanner error={settings.error ?? rules.error} />;
  if (!settings.data || !rules.data) return <Loading />;
  return (
    <>
      <SendingForm settings={settings.data} />
      <InvitationForm key={rules.data.version} rules={rules.data} />
    </>
  );
}
