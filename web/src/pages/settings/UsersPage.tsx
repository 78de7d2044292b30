import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { UserCreateSchema } from '../../../../src/access/access.schema.js';
import { get, post, type User, type UserList } from '../../api';
import { FormReader, type Issues } from '../../forms';
import { ErrorBanner, FieldIssue, IssueBanner, Loading, toast } from '../../ui';
import { AccessRow, RoleOptions } from './access-parts';

const EMPTY = { email: '', name: '', role: 'staff', password: '' };

function AddUser() {
  const client = useQueryClient();
  const [draft, setDraft] = useState(EMPTY);
  const [issues, setIssues] = useState<Issues>({});
  const create = useMutation({
    mutationFn: (body: unknown) => post<User>('/v1/users', body),
    onSuccess: (user) => {
      toast(`${user.email} can now sign in as ${user.role}`);
      setDraft(EMPTY);
      client.invalidateQueries({ queryKey: ['users'] });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const form = new FormReader();
    const body = form.check(UserCreateSchema, { ...draft, name: draft.name || undefined });
    setIssues(form.issues);
    if (body) create.mutate(body);
  };
  return (
    <form className="stack" onSubmit={submit} aria-label="Add a user">
      <h3>Add a user</h3>
      <div className="form-grid">
        <label className="field">
          Email
          <input type="email" value={draft.email} onChange={(e) => setDraft({ ...draft, email: e.target.value })} />
          <FieldIssue issues={issues} name="email" />
        </label>
        <label className="field">
          Name (optional)
          <input value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} />
          <FieldIssue issues={issues} name="name" />
        </label>
        <label className="field">
          Role
          <select value={draft.role} onChange={(e) => setDraft({ ...draft, role: e.target.value })}>
            <RoleOptions />
          </select>
        </label>
        <label className="field">
          Password
          <input
            type="password"
            autoComplete="new-password"
            value={draft.password}
            onChange={(e) => setDraft({ ...draft, password: e.target.value })}
          />
          <FieldIssue issues={issues} name="password" />
        </label>
      </div>
      <IssueBanner issues={issues} fields={['email', 'name', 'role', 'password']} />
      <ErrorBanner error={create.error} />
      <div>
        <button type="submit" disabled={create.isPending}>
          Add user
        </button>
      </div>
    </form>
  );
}

/** People who can sign in, and adding one. */
export function UsersPage() {
  const client = useQueryClient();
  const users = useQuery({ queryKey: ['users'], queryFn: () => get<UserList>('/v1/users') });
  const disable = useMutation({
    mutationFn: (id: string) => post<User>(`/v1/users/${id}/disable`),
    onSuccess: () => client.invalidateQueries({ queryKey: ['users'] }),
  });
  if (users.error) return <ErrorBanner error={users.error} />;
  if (!users.data) return <Loading />;
  return (
    <section className="card stack" aria-label="Users">
      <h2>Users</h2>
      {users.data.items.map((u) => (
        <AccessRow
          key={u.id}
          role={u.role}
          who={
            <>
              {u.name} <span className="faint">{u.email}</span>
            </>
          }
        >
          {u.disabledAt ? (
            <span className="badge bad">disabled</span>
          ) : (
            <button type="button" className="link" onClick={() => disable.mutate(u.id)}>
              Disable
            </button>
          )}
        </AccessRow>
      ))}
      <ErrorBanner error={disable.error} />
      <AddUser />
    </section>
  );
}
