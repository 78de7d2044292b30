import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { TemplateInputSchema } from '../../../../src/messaging/messaging.schema.js';
import { api, get, type MessageTemplate, put, type MessageTemplateList as TemplateList } from '../../api';
import { useCan } from '../../app';
import { humanize } from '../../format';
import { FormReader, type Issues } from '../../forms';
import { ErrorBanner, FieldIssue, IssueBanner, Loading, toast } from '../../ui';

const templatePath = (t: MessageTemplate) => `/v1/message-templates/${t.kind}/${t.channel}`;

function TemplateEditor({ template, onDone }: { template: MessageTemplate; onDone: () => void }) {
  const client = useQueryClient();
  const [draft, setDraft] = useState(template);
  const [issues, setIssues] = useState<Issues>({});
  const save = useMutation({
    mutationFn: (body: unknown) => put<TemplateList>(templatePath(template), body),
    onSuccess: (data) => {
      client.setQueryData(['templates'], data);
      toast('Template saved');
      onDone();
    },
  });
  const email = template.channel === 'email';
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const form = new FormReader();
    const body = form.check(TemplateInputSchema, {
      subject: email ? draft.subject : null,
      bodyText: draft.bodyText,
      bodyHtml: email ? draft.bodyHtml : null,
    });
    setIssues(form.issues);
    if (body) save.mutate(body);
  };
  return (
    <form className="stack" style={{ marginTop: 8 }} onSubmit={submit}>
      {email ? (
        <label className="field">
          Subject
          <input value={draft.subject ?? ''} onChange={(e) => setDraft({ ...draft, subject: e.target.value })} />
          <FieldIssue issues={issues} name="subject" />
        </label>
      ) : null}
      <label className="field">
        Text
        {email ? '' : ` (${draft.bodyText.length} characters; at most 320 with names filled in)`}
        <textarea rows={5} value={draft.bodyText} onChange={(e) => setDraft({ ...draft, bodyText: e.target.value })} />
        <FieldIssue issues={issues} name="bodyText" />
      </label>
      {email ? (
        <label className="field">
          HTML
          <textarea
            rows={4}
            value={draft.bodyHtml ?? ''}
            onChange={(e) => setDraft({ ...draft, bodyHtml: e.target.value || null })}
          />
          <FieldIssue issues={issues} name="bodyHtml" />
        </label>
      ) : null}
      <IssueBanner issues={issues} fields={['subject', 'bodyText', 'bodyHtml']} />
      <ErrorBanner error={save.error} />
      <div className="row">
        <button className="primary" type="submit" disabled={save.isPending}>
          Save template
        </button>
        <button type="button" className="link" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function TemplatePreview({ template }: { template: MessageTemplate }) {
  return (
    <div className="small muted" style={{ whiteSpace: 'pre-wrap', marginTop: 6 }}>
      {template.subject ? (
        <strong>
          {template.subject}
          {'\n'}
        </strong>
      ) : null}
      {template.bodyText}
    </div>
  );
}

function TemplateItem({
  template,
  editing,
  onEdit,
}: {
  template: MessageTemplate;
  editing: boolean;
  onEdit: (on: boolean) => void;
}) {
  const can = useCan();
  const client = useQueryClient();
  const reset = useMutation({
    mutationFn: () => api<TemplateList>('DELETE', templatePath(template)),
    onSuccess: (data) => client.setQueryData(['templates'], data),
  });
  return (
    <div className="competitor">
      <div className="spread">
        <strong>
          {humanize(template.kind)} · {template.channel === 'sms' ? 'SMS' : 'Email'}{' '}
          {template.custom ? <span className="badge accent">custom</span> : <span className="badge">default</span>}
        </strong>
        {can.may('settings:write') && !editing ? (
          <div className="row">
            <button type="button" className="link" onClick={() => onEdit(true)}>
              Edit
            </button>
            {template.custom ? (
              <button type="button" className="link" onClick={() => reset.mutate()}>
                Use default
              </button>
            ) : null}
          </div>
        ) : null}
      </div>
      {editing ? (
        <TemplateEditor template={template} onDone={() => onEdit(false)} />
      ) : (
        <TemplatePreview template={template} />
      )}
      <ErrorBanner error={reset.error} />
    </div>
  );
}

export function TemplatesPage() {
  const templates = useQuery({ queryKey: ['templates'], queryFn: () => get<TemplateList>('/v1/message-templates') });
  const [editing, setEditing] = useState<string | null>(null);
  if (templates.error) return <ErrorBanner error={templates.error} />;
  if (!templates.data) return <Loading />;
  const key = (t: MessageTemplate) => `${t.kind}-${t.channel}`;
  return (
    <section className="card stack" aria-label="Message templates">
      <h2>Message templates</h2>
      <p className="faint">Variables: {templates.data.items[0]?.variables.map((v) => `{{${v}}}`).join(' ')}</p>
      {templates.data.items.map((t) => (
        <TemplateItem
          key={key(t)}
          template={t}
          editing={editing === key(t)}
          onEdit={(on) => setEditing(on ? key(t) : null)}
        />
      ))}
    </section>
  );
}
