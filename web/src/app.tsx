import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { SignInSchema } from '../../src/access/access.schema.js';
import { can, type Permission } from '../../src/access/roles.core.js';
import { ApiError, api, get, type Me, type RewardCounts } from './api';
import { FormReader, type Issues } from './forms';
import { Approvals } from './pages/Approvals';
import { Conversions } from './pages/Conversions';
import { Dashboard } from './pages/Dashboard';
import { Imports } from './pages/Imports';
import { Leaderboard } from './pages/Leaderboard';
import { ParticipantDetail } from './pages/ParticipantDetail';
import { Participants } from './pages/Participants';
import { PayoutBatchDetail, Payouts, TaxReportPage } from './pages/Payouts';
import { RewardDetail } from './pages/RewardDetail';
import { Rewards } from './pages/Rewards';
import { Settings } from './pages/settings';
import { Link, match, useLocation } from './router';
import { ErrorBanner, FieldIssue, Loading, Toaster } from './ui';

export function useMe() {
  return useQuery({ queryKey: ['me'], queryFn: () => get<Me>('/v1/me'), retry: false, staleTime: 60_000 });
}

/** What the signed-in person may do: the server's own role table, so a button shows only where the API allows it. */
export function useCan() {
  const role = useMe().data?.actor.role;
  return {
    role,
    may: (permission: Permission) => role !== undefined && role !== 'system' && can(role, permission),
  };
}

function SignIn() {
  const client = useQueryClient();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [issues, setIssues] = useState<Issues>({});
  const signIn = useMutation({
    mutationFn: (body: unknown) => api('POST', '/v1/session', body),
    onSuccess: () => client.invalidateQueries(),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const form = new FormReader();
    const body = form.check(SignInSchema, { email, password });
    setIssues(form.issues);
    if (body) signIn.mutate(body);
  };
  return (
    <div className="signin">
      <form className="card stack" onSubmit={submit} aria-label="Sign in">
        <div className="brand" style={{ color: 'var(--ink)', padding: 0 }}>
          <span className="brand-mark" /> Rewardloop
        </div>
        <h1>Sign in</h1>
        <ErrorBanner error={signIn.error} />
        <label className="field">
          Email
          <input
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            autoFocus
          />
          <FieldIssue issues={issues} name="email" />
        </label>
        <label className="field">
          Password
          <input
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <FieldIssue issues={issues} name="password" />
        </label>
        <button className="primary" type="submit" disabled={signIn.isPending}>
          {signIn.isPending ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="faint">
          The first start of the service prints an owner sign-in. More people: Settings → Users, or `rewardloop users
          create`.
        </p>
      </form>
    </div>
  );
}

const NAV = [
  { to: '/', label: 'Rewards', count: 'pending' },
  { to: '/approvals', label: 'Approvals', count: 'in_review' },
  { to: '/participants', label: 'Participants' },
  { to: '/conversions', label: 'Conversions' },
  { to: '/payouts', label: 'Payouts', permission: 'payouts:manage' },
  { to: '/dashboard', label: 'Dashboard' },
  { to: '/leaderboard', label: 'Leaderboard' },
  { to: '/imports', label: 'Import', permission: 'imports:write' },
  { to: '/settings', label: 'Settings' },
] as const;

function Shell({ me, children }: { me: Me; children: React.ReactNode }) {
  const { path } = useLocation();
  const client = useQueryClient();
  const counts = useQuery({
    queryKey: ['counts'],
    queryFn: () => get<RewardCounts>('/v1/rewards/counts'),
    refetchInterval: 30_000,
  });
  const signOut = useMutation({ mutationFn: () => api('DELETE', '/v1/session'), onSuccess: () => client.clear() });
  const { may } = useCan();
  const active = (to: string) => (to === '/' ? path === '/' || path.startsWith('/rewards') : path.startsWith(to));
  return (
    <div className="shell">
      <nav className="sidebar" aria-label="Main">
        <div className="brand">
          <span className="brand-mark" /> Rewardloop
        </div>
        {NAV.filter((item) => !('permission' in item) || may(item.permission)).map((item) => (
          <Link key={item.to} to={item.to} className={`nav-link${active(item.to) ? ' active' : ''}`}>
            <span>{item.label}</span>
            {'count' in item && counts.data && (counts.data[item.count] ?? 0) > 0 ? (
              <span className="nav-count">{counts.data[item.count]}</span>
            ) : null}
          </Link>
        ))}
        <div className="sidebar-foot">
          <div className="who">{me.actor.name}</div>
          <div>
            {me.actor.role} · {me.workspace.name}
          </div>
          <button type="button" onClick={() => signOut.mutate()}>
            Sign out
          </button>
        </div>
      </nav>
      <main className="main">{children}</main>
      <Toaster />
    </div>
  );
}

function Routes() {
  const { path } = useLocation();
  const reward = match('/rewards/:id', path);
  const participant = match('/participants/:id', path);
  const payoutBatch = match('/payouts/:id', path);
  if (path === '/' || path === '/rewards') return <Rewards />;
  if (reward) return <RewardDetail id={reward.id ?? ''} />;
  if (path === '/approvals') return <Approvals />;
  if (path === '/participants') return <Participants />;
  if (participant) return <ParticipantDetail id={participant.id ?? ''} />;
  if (path === '/conversions') return <Conversions />;
  if (path === '/dashboard') return <Dashboard />;
  if (path === '/leaderboard') return <Leaderboard />;
  if (path === '/payouts') return <Payouts />;
  if (path === '/payouts/tax') return <TaxReportPage />;
  if (payoutBatch) return <PayoutBatchDetail id={payoutBatch.id ?? ''} />;
  if (path === '/imports') return <Imports />;
  if (path === '/settings' || path.startsWith('/settings/')) return <Settings path={path} />;
  return (
    <div className="card empty">
      <strong>Nothing here</strong>
      <Link to="/">Back to the rewards queue</Link>
    </div>
  );
}

export function App() {
  const me = useMe();
  if (me.isPending) return <Loading />;
  if (me.error instanceof ApiError && me.error.status === 401) return <SignIn />;
  if (me.error || !me.data) return <ErrorBanner error={me.error} />;
  return (
    <Shell me={me.data}>
      <Routes />
    </Shell>
  );
}
