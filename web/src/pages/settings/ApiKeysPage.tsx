import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { ApiKeyCreateSchema } from '../../../../src/access/access.schema.js';
import { type ApiKey, type ApiKeyList, type CreatedApiKey, get, post, type UserList } from '../../api';
import { dateTime } from '../../format';
import { FormReader, type Issues } from '../../forms';
import { ErrorBanner, FieldIssue, IssueBanner, Loading } from '../../ui';
import { AccessRow, RoleOptions } from './access-parts';

function CreateKey({ onCreated }: { onCreated: (key: string) => void }) {
  const client = useQueryClient();
  const users = useQuery({ queryKey: ['users'], queryFn: () => get<UserList>('/v1/users') });
  const [draft, setDraft] = useState({ name: '', role: 'staff', userId: '' });
  const [issues, setIssues] = useState<Issues>({});
  const create = useMutation({
    mutationFn: (body: unknown) => post<CreatedApiKey>('/v1/api-keys', body),
    onSuccess: (created) => {
      onCreated(created.key);
      setDraft({ name: '', role: 'staff', userId: '' });
      client.invalidateQueries({ queryKey: ['keys'] });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const form = new FormReader();
    const { userId, ...rest } = draft;
    const body = form.check(ApiKeyCreateSchema, userId ? { ...rest, userId } : rest);
    setIssues(form.issues);
    if (body) create.mutate(body);
  };
  return (
    <form className="stack" onSubmit={submit} aria-label="Create an API key">
      <div className="row">
        <input
          placeholder="Label, e.g. HubSpot"
          aria-label="Key label"
          value={draft.name}
          onChange={(e) => setDraft({ ...draft, name: e.target.value })}
        />
        <select aria-label="Key role" value={draft.role} onChange={(e) => setDraft({ ...draft, role: e.target.value })}>
          <RoleOptions />
        </select>
        <select
          aria-label="Acts for"
          value={draft.userId}
          onChange={(e) => setDraft({ ...draft, userId: e.target.value })}
        >
          <option value="">Acts for me</option>
          {(users.data?.items ?? [])
            .filter((user) => !user.disabledAt)
            .map((user) => (
              <option key={user.id} value={user.id}>
                Acts for {user.name}
              </option>
            ))}
        </select>
        <button type="submit" disabled={create.isPending}>
          Create key
        </button>
      </div>
      <FieldIssue issues={issues} name="name" />
      <IssueBanner issues={issues} fields={['name', 'role', 'userId']} />
      <ErrorBanner error={create.error} />
    </form>
  );
}

/** API keys for integrations: listed (never the keys themselves), created (shown once), revoked. */
export function ApiKeysPage() {
  const client = useQueryClient();
  const keys = useQuery({ queryKey: ['keys'], queryFn: () => get<ApiKeyList>('/v1/api-keys') });
  const [newKey, setNewKey] = useState<string | null>(null);
  const revoke = useMutation({
    mutationFn: (id: string) => post<ApiKey>(`/v1/api-keys/${id}/revoke`),
    onSuccess: () => client.invalidateQueries({ queryKey: ['keys'] }),
  });
  if (keys.error) return <ErrorBanner error={keys.error} />;
  if (!keys.data) return <Loading />;
  return (
    <section className="card stack" aria-label="API keys">
      <h2>API keys</h2>
      <p className="faint">
        A key acts for one person in maker-checker: you, or the user you make it for. It cannot approve claims that
        person made, and an approval through it counts as theirs. Disabling a user revokes their keys.
      </p>
      {newKey ? (
        <div className="banner ok">
          New key (shown once, copy it now): <code style={{ wordBreak: 'break-all' }}>{newKey}</code>
        </div>
      ) : null}
      {keys.data.items.map((k) => (
        <AccessRow
          key={k.id}
          role={k.role}
          who={
            <>
              {k.name} <span className="copy">{k.prefix}…</span>
              <span className="faint" style={{ display: 'block' }}>
                last used {k.lastUsedAt ? dateTime(k.lastUsedAt) : 'never'}
              </span>
            </>
          }
        >
          {k.revokedAt ? (
            <span className="badge bad">revoked</span>
          ) : (
            <button type="button" className="link" onClick={() => revoke.mutate(k.id)}>
              Revoke
            </button>
          )}
        </AccessRow>
      ))}
      <ErrorBanner error={revoke.error} />
      <CreateKey onCreated={setNewKey} />
    </section>
  );
}
