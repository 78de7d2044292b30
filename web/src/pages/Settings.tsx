import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { api, get, type ProgramRules, patch, post, put } from '../api';
import { useCan } from '../app';
import { dateTime, fromMinor, humanize, toMinor } from '../format';
import { ErrorBanner, Loading, toast } from '../ui';

interface WorkspaceSettings {
  name: string;
  senderName: string | null;
  companyName: string | null;
  defaultCountry: string;
  notifyEmails: string[];
  smsDailyCap: number;
  notifyRewardIssued: boolean;
}

interface Template {
  kind: string;
  channel: string;
  subject: string | null;
  bodyText: string;
  bodyHtml: string | null;
  custom: boolean;
  variables: string[];
}

function RulesForm() {
  const can = useCan();
  const client = useQueryClient();
  const rules = useQuery({ queryKey: ['rules'], queryFn: () => get<ProgramRules>('/v1/program-rules') });
  const [form, setForm] = useState<Record<string, string | boolean | string[]>>({});
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => {
    const r = rules.data;
    if (!r) return;
    setForm({
      qualifyingTypes: r.qualifyingTypes,
      allowedReferrerKinds: r.allowedReferrerKinds,
      currency: r.currency,
      minAmount: fromMinor(r.minAmount, r.currency),
      holdDays: String(r.holdDays),
      capPerMonth: r.capPerMonth ? String(r.capPerMonth) : '',
      capLifetime: r.capLifetime ? String(r.capLifetime) : '',
      startsAt: r.startsAt?.slice(0, 10) ?? '',
      endsAt: r.endsAt?.slice(0, 10) ?? '',
      termsText: r.termsText,
      termsVersion: r.termsVersion,
      autoApprove: r.autoApproval.enabled,
      autoApproveMax: r.autoApproval.maxAmount === null ? '' : fromMinor(r.autoApproval.maxAmount, r.currency),
      twoApproversAbove: r.twoApproversAbove === null ? '' : fromMinor(r.twoApproversAbove, r.currency),
    });
  }, [rules.data]);
  const save = useMutation({
    mutationFn: (body: unknown) => put<ProgramRules>('/v1/program-rules', body),
    onSuccess: (saved) => {
      client.setQueryData(['rules'], saved);
      setError(null);
      toast(`Program rules saved as version ${saved.version}`);
    },
    onError: (e) => setError(e as Error),
  });
  if (rules.isPending) return <Loading />;
  const set = (key: string, value: string | boolean | string[]) => setForm((f) => ({ ...f, [key]: value }));
  const list = (key: string) => (form[key] as string[] | undefined) ?? [];
  const toggleIn = (key: string, value: string, on: boolean) =>
    set(key, on ? [...list(key), value] : list(key).filter((v) => v !== value));
  const currency = String(form.currency ?? 'USD');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const amount = (text: unknown) => (text ? toMinor(String(text), currency) : null);
    save.mutate({
      qualifyingTypes: list('qualifyingTypes'),
      allowedReferrerKinds: list('allowedReferrerKinds'),
      currency,
      minAmount: amount(form.minAmount) ?? 0,
      holdDays: Number(form.holdDays || 0),
      capPerMonth: form.capPerMonth ? Number(form.capPerMonth) : null,
      capLifetime: form.capLifetime ? Number(form.capLifetime) : null,
      startsAt: form.startsAt ? new Date(`${form.startsAt}T00:00:00Z`).toISOString() : null,
      endsAt: form.endsAt ? new Date(`${form.endsAt}T23:59:59Z`).toISOString() : null,
      termsText: form.termsText,
      termsVersion: form.termsVersion,
      autoApproval: {
        enabled: Boolean(form.autoApprove),
        maxAmount: form.autoApprove ? amount(form.autoApproveMax) : null,
      },
      twoApproversAbove: amount(form.twoApproversAbove),
    });
  };
  return (
    <form className="card stack" onSubmit={submit} aria-label="Program rules">
      <div className="spread">
        <div>
          <h2>Program rules</h2>
          <div className="faint">
            Version {rules.data?.version} · claims record the version that judged them
            {rules.data?.autoApproval.enabled ? ` · auto-approval signed by ${rules.data.autoApproval.enabledBy}` : ''}
          </div>
        </div>
      </div>
      <fieldset disabled={!can.own} style={{ border: 0, padding: 0, margin: 0 }} className="stack">
        <div className="grid-2">
          <div>
            <h3>Qualifying events</h3>
            {['deal_won', 'job_invoiced', 'invoice_paid'].map((type) => (
              <label key={type} className="check">
                <input
                  type="checkbox"
                  checked={list('qualifyingTypes').includes(type)}
                  onChange={(e) => toggleIn('qualifyingTypes', type, e.target.checked)}
                />
                {humanize(type)}
              </label>
            ))}
          </div>
          <div>
            <h3>Who may refer</h3>
            {['customer', 'partner', 'employee'].map((kind) => (
              <label key={kind} className="check">
                <input
                  type="checkbox"
                  checked={list('allowedReferrerKinds').includes(kind)}
                  onChange={(e) => toggleIn('allowedReferrerKinds', kind, e.target.checked)}
                />
                {humanize(kind)}s
              </label>
            ))}
          </div>
        </div>
        <div className="form-grid">
          <label className="field">
            Currency
            <input maxLength={3} value={currency} onChange={(e) => set('currency', e.target.value.toUpperCase())} />
          </label>
          <label className="field">
            Minimum conversion
            <input
              inputMode="decimal"
              value={String(form.minAmount ?? '')}
              onChange={(e) => set('minAmount', e.target.value)}
            />
          </label>
          <label className="field">
            Hold period (days)
            <input
              inputMode="numeric"
              value={String(form.holdDays ?? '')}
              onChange={(e) => set('holdDays', e.target.value)}
            />
          </label>
          <label className="field">
            Cap per referrer / month
            <input
              inputMode="numeric"
              placeholder="none"
              value={String(form.capPerMonth ?? '')}
              onChange={(e) => set('capPerMonth', e.target.value)}
            />
          </label>
          <label className="field">
            Lifetime cap
            <input
              inputMode="numeric"
              placeholder="none"
              value={String(form.capLifetime ?? '')}
              onChange={(e) => set('capLifetime', e.target.value)}
            />
          </label>
          <label className="field">
            Program starts
            <input type="date" value={String(form.startsAt ?? '')} onChange={(e) => set('startsAt', e.target.value)} />
          </label>
          <label className="field">
            Program ends
            <input type="date" value={String(form.endsAt ?? '')} onChange={(e) => set('endsAt', e.target.value)} />
          </label>
          <label className="field">
            Two approvers above
            <input
              inputMode="decimal"
              placeholder="never"
              value={String(form.twoApproversAbove ?? '')}
              onChange={(e) => set('twoApproversAbove', e.target.value)}
            />
          </label>
        </div>
        <div className="row">
          <label className="check">
            <input
              type="checkbox"
              checked={Boolean(form.autoApprove)}
              onChange={(e) => set('autoApprove', e.target.checked)}
            />
            Auto-approve clean claims up to
          </label>
          <input
            inputMode="decimal"
            aria-label="Auto-approval limit"
            style={{ width: 120 }}
            disabled={!form.autoApprove}
            value={String(form.autoApproveMax ?? '')}
            onChange={(e) => set('autoApproveMax', e.target.value)}
          />
          <span className="faint">
            {currency}. Flagged claims always go to a person; your opt-in is the approval record.
          </span>
        </div>
        <div className="form-grid">
          <label className="field">
            Terms version
            <input value={String(form.termsVersion ?? '')} onChange={(e) => set('termsVersion', e.target.value)} />
          </label>
        </div>
        <label className="field">
          Terms
          <textarea rows={3} value={String(form.termsText ?? '')} onChange={(e) => set('termsText', e.target.value)} />
        </label>
        <ErrorBanner error={error} />
        {can.own ? (
          <div>
            <button className="primary" type="submit" disabled={save.isPending}>
              Save rules
            </button>
          </div>
        ) : (
          <span className="faint">Only the owner can change the rules.</span>
        )}
      </fieldset>
    </form>
  );
}

interface ChannelOutbox {
  waiting: number;
  held: number;
  heldBecause: string | null;
}

/** Messages the provider refused because of the server's configuration: they wait, visibly. */
function HeldMessages() {
  const outbox = useQuery({
    queryKey: ['outbox'],
    queryFn: () => get<{ email: ChannelOutbox; sms: ChannelOutbox }>('/v1/messaging/outbox'),
  });
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

function SenderForm() {
  const can = useCan();
  const client = useQueryClient();
  const settings = useQuery({ queryKey: ['workspace'], queryFn: () => get<WorkspaceSettings>('/v1/workspace') });
  const [form, setForm] = useState({
    senderName: '',
    companyName: '',
    notifyEmails: '',
    smsDailyCap: '3',
    defaultCountry: 'US',
    notifyRewardIssued: false,
  });
  useEffect(() => {
    const s = settings.data;
    if (s)
      setForm({
        senderName: s.senderName ?? '',
        companyName: s.companyName ?? '',
        notifyEmails: s.notifyEmails.join(', '),
        smsDailyCap: String(s.smsDailyCap),
        defaultCountry: s.defaultCountry,
        notifyRewardIssued: s.notifyRewardIssued,
      });
  }, [settings.data]);
  const save = useMutation({
    mutationFn: () =>
      patch<WorkspaceSettings>('/v1/workspace', {
        senderName: form.senderName || null,
        companyName: form.companyName || null,
        notifyEmails: form.notifyEmails.split(/[,\s]+/).filter(Boolean),
        smsDailyCap: Number(form.smsDailyCap),
        defaultCountry: form.defaultCountry.toUpperCase(),
        notifyRewardIssued: form.notifyRewardIssued,
      }),
    onSuccess: (saved) => {
      client.setQueryData(['workspace'], saved);
      toast('Settings saved');
    },
  });
  return (
    <form
      className="card stack"
      aria-label="Sender and notifications"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <h2>Sender and notifications</h2>
      <HeldMessages />
      <p className="faint">
        Thank-yous are signed “{form.senderName || form.companyName || '…'}
        {form.senderName && form.companyName ? `, ${form.companyName}` : ''}”.
      </p>
      <fieldset disabled={!can.own} style={{ border: 0, padding: 0, margin: 0 }} className="stack">
        <div className="form-grid">
          <label className="field">
            Sender name
            <input
              value={form.senderName}
              onChange={(e) => setForm({ ...form, senderName: e.target.value })}
              placeholder="Jane Agent"
            />
          </label>
          <label className="field">
            Company
            <input
              value={form.companyName}
              onChange={(e) => setForm({ ...form, companyName: e.target.value })}
              placeholder="Acme Realty"
            />
          </label>
          <label className="field">
            Phone country
            <input
              maxLength={2}
              value={form.defaultCountry}
              onChange={(e) => setForm({ ...form, defaultCountry: e.target.value.toUpperCase() })}
            />
          </label>
          <label className="field">
            SMS per person per day
            <input
              inputMode="numeric"
              value={form.smsDailyCap}
              onChange={(e) => setForm({ ...form, smsDailyCap: e.target.value })}
            />
          </label>
        </div>
        <label className="field">
          “Reward ready to send” goes to
          <input
            value={form.notifyEmails}
            onChange={(e) => setForm({ ...form, notifyEmails: e.target.value })}
            placeholder="office@example.com, jane@example.com"
          />
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={form.notifyRewardIssued}
            onChange={(e) => setForm({ ...form, notifyRewardIssued: e.target.checked })}
          />
          Also send the referrer a “reward issued” notice when a reward is marked sent
        </label>
        <ErrorBanner error={save.error} />
        {can.own ? (
          <div>
            <button className="primary" type="submit" disabled={save.isPending}>
              Save
            </button>
          </div>
        ) : null}
      </fieldset>
    </form>
  );
}

function Templates() {
  const can = useCan();
  const client = useQueryClient();
  const templates = useQuery({
    queryKey: ['templates'],
    queryFn: () => get<{ items: Template[] }>('/v1/message-templates'),
  });
  const [editing, setEditing] = useState<Template | null>(null);
  const save = useMutation({
    mutationFn: (t: Template) =>
      put<{ items: Template[] }>(`/v1/message-templates/${t.kind}/${t.channel}`, {
        subject: t.subject,
        bodyText: t.bodyText,
        bodyHtml: t.bodyHtml,
      }),
    onSuccess: (data) => {
      client.setQueryData(['templates'], data);
      setEditing(null);
      toast('Template saved');
    },
  });
  const reset = useMutation({
    mutationFn: (t: Template) => api<{ items: Template[] }>('DELETE', `/v1/message-templates/${t.kind}/${t.channel}`),
    onSuccess: (data) => client.setQueryData(['templates'], data),
  });
  return (
    <section className="card stack" aria-label="Message templates">
      <h2>Message templates</h2>
      <p className="faint">Variables: {templates.data?.items[0]?.variables.map((v) => `{{${v}}}`).join(' ')}</p>
      {templates.data?.items.map((t) => {
        const open = editing && editing.kind === t.kind && editing.channel === t.channel;
        return (
          <div key={`${t.kind}-${t.channel}`} className="competitor">
            <div className="spread">
              <strong>
                {humanize(t.kind)} · {t.channel === 'sms' ? 'SMS' : 'Email'}{' '}
                {t.custom ? <span className="badge accent">custom</span> : <span className="badge">default</span>}
              </strong>
              {can.own && !open ? (
                <div className="row">
                  <button type="button" className="link" onClick={() => setEditing(t)}>
                    Edit
                  </button>
                  {t.custom ? (
                    <button type="button" className="link" onClick={() => reset.mutate(t)}>
                      Use default
                    </button>
                  ) : null}
                </div>
              ) : null}
            </div>
            {open && editing ? (
              <form
                className="stack"
                style={{ marginTop: 8 }}
                onSubmit={(e) => {
                  e.preventDefault();
                  save.mutate(editing);
                }}
              >
                {t.channel === 'email' ? (
                  <label className="field">
                    Subject
                    <input
                      value={editing.subject ?? ''}
                      onChange={(e) => setEditing({ ...editing, subject: e.target.value })}
                    />
                  </label>
                ) : null}
                <label className="field">
                  Text
                  {t.channel === 'sms'
                    ? ` (${editing.bodyText.length} characters; at most 320 with names filled in)`
                    : ''}
                  <textarea
                    rows={5}
                    value={editing.bodyText}
                    onChange={(e) => setEditing({ ...editing, bodyText: e.target.value })}
                  />
                </label>
                {t.channel === 'email' ? (
                  <label className="field">
                    HTML
                    <textarea
                      rows={4}
                      value={editing.bodyHtml ?? ''}
                      onChange={(e) => setEditing({ ...editing, bodyHtml: e.target.value || null })}
                    />
                  </label>
                ) : null}
                <ErrorBanner error={save.error} />
                <div className="row">
                  <button className="primary" type="submit">
                    Save template
                  </button>
                  <button type="button" className="link" onClick={() => setEditing(null)}>
                    Cancel
                  </button>
                </div>
              </form>
            ) : (
              <div className="small muted" style={{ whiteSpace: 'pre-wrap', marginTop: 6 }}>
                {t.subject ? (
                  <strong>
                    {t.subject}
                    {'\n'}
                  </strong>
                ) : null}
                {t.bodyText}
              </div>
            )}
          </div>
        );
      })}
    </section>
  );
}

interface KeyRow {
  id: string;
  name: string;
  role: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}
interface UserRow {
  id: string;
  email: string;
  name: string;
  role: string;
  createdAt: string;
  disabledAt: string | null;
}

function Access() {
  const client = useQueryClient();
  const keys = useQuery({ queryKey: ['keys'], queryFn: () => get<{ items: KeyRow[] }>('/v1/api-keys') });
  const users = useQuery({ queryKey: ['users'], queryFn: () => get<{ items: UserRow[] }>('/v1/users') });
  const [keyForm, setKeyForm] = useState({ name: '', role: 'staff' });
  const [userForm, setUserForm] = useState({ email: '', name: '', role: 'staff', password: '' });
  const [newKey, setNewKey] = useState<string | null>(null);
  const createKey = useMutation({
    mutationFn: () => post<KeyRow & { key: string }>('/v1/api-keys', keyForm),
    onSuccess: (created) => {
      setNewKey(created.key);
      setKeyForm({ name: '', role: 'staff' });
      client.invalidateQueries({ queryKey: ['keys'] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => post(`/v1/api-keys/${id}/revoke`),
    onSuccess: () => client.invalidateQueries({ queryKey: ['keys'] }),
  });
  const createUser = useMutation({
    mutationFn: () => post<UserRow>('/v1/users', { ...userForm, name: userForm.name || undefined }),
    onSuccess: (user) => {
      toast(`${user.email} can now sign in as ${user.role}`);
      setUserForm({ email: '', name: '', role: 'staff', password: '' });
      client.invalidateQueries({ queryKey: ['users'] });
    },
  });
  const disable = useMutation({
    mutationFn: (id: string) => post(`/v1/users/${id}/disable`),
    onSuccess: () => client.invalidateQueries({ queryKey: ['users'] }),
  });
  const roles = (
    <>
      <option value="owner">Owner</option>
      <option value="finance">Finance</option>
      <option value="staff">Staff</option>
      <option value="viewer">Viewer</option>
    </>
  );
  return (
    <div className="grid-2" style={{ marginTop: 14 }}>
      <section className="card stack" aria-label="Users">
        <h2>Users</h2>
        {users.data?.items.map((u) => (
          <div key={u.id} className="spread">
            <span>
              {u.name} <span className="faint">{u.email}</span>
            </span>
            <span className="row">
              <span className="badge">{u.role}</span>
              {u.disabledAt ? (
                <span className="badge bad">disabled</span>
              ) : (
                <button type="button" className="link" onClick={() => disable.mutate(u.id)}>
                  Disable
                </button>
              )}
            </span>
          </div>
        ))}
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            createUser.mutate();
          }}
        >
          <div className="form-grid">
            <label className="field">
              Email
              <input
                type="email"
                required
                value={userForm.email}
                onChange={(e) => setUserForm({ ...userForm, email: e.target.value })}
              />
            </label>
            <label className="field">
              Role
              <select value={userForm.role} onChange={(e) => setUserForm({ ...userForm, role: e.target.value })}>
                {roles}
              </select>
            </label>
            <label className="field">
              Password
              <input
                type="password"
                required
                minLength={10}
                value={userForm.password}
                onChange={(e) => setUserForm({ ...userForm, password: e.target.value })}
              />
            </label>
          </div>
          <ErrorBanner error={createUser.error ?? disable.error} />
          <div>
            <button type="submit">Add user</button>
          </div>
        </form>
      </section>
      <section className="card stack" aria-label="API keys">
        <h2>API keys</h2>
        <p className="faint">
          A key you create here acts for you in maker-checker: it cannot approve claims you made, and your approval
          through it counts as yours. Give other people a sign-in of their own.
        </p>
        {newKey ? (
          <div className="banner ok">
            New key (shown once, copy it now): <code style={{ wordBreak: 'break-all' }}>{newKey}</code>
          </div>
        ) : null}
        {keys.data?.items.map((k) => (
          <div key={k.id} className="spread">
            <span>
              {k.name} <span className="copy">{k.prefix}…</span>
              <div className="faint">last used {k.lastUsedAt ? dateTime(k.lastUsedAt) : 'never'}</div>
            </span>
            <span className="row">
              <span className="badge">{k.role}</span>
              {k.revokedAt ? (
                <span className="badge bad">revoked</span>
              ) : (
                <button type="button" className="link" onClick={() => revoke.mutate(k.id)}>
                  Revoke
                </button>
              )}
            </span>
          </div>
        ))}
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            createKey.mutate();
          }}
        >
          <input
            required
            placeholder="Label, e.g. HubSpot"
            aria-label="Key label"
            value={keyForm.name}
            onChange={(e) => setKeyForm({ ...keyForm, name: e.target.value })}
          />
          <select
            aria-label="Key role"
            value={keyForm.role}
            onChange={(e) => setKeyForm({ ...keyForm, role: e.target.value })}
          >
            {roles}
          </select>
          <button type="submit">Create key</button>
        </form>
        <ErrorBanner error={createKey.error ?? revoke.error} />
      </section>
    </div>
  );
}

export function Settings() {
  const can = useCan();
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Settings</h1>
          <p>Program rules, how thank-yous are signed, message templates, and who has access.</p>
        </div>
      </div>
      <RulesForm />
      <div style={{ marginTop: 14 }}>
        <SenderForm />
      </div>
      <div style={{ marginTop: 14 }}>
        <Templates />
      </div>
      {can.own ? <Access /> : null}
    </>
  );
}
