import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { type ApiError, get, type Page, post, put, type Reward, type RewardDetail, type RewardPolicy } from '../api';
import { useCan } from '../app';
import { date, fromMinor, isCurrency, money, toMinor } from '../format';
import { Link } from '../router';
import { ChannelOutcome, Empty, ErrorBanner, FlagBadge, Loading, LoadMore, StatusBadge, toast } from '../ui';

const REWARD_TYPES = [
  ['gift_card', 'Gift card'],
  ['commission_share', 'Commission share'],
  ['account_credit', 'Account credit'],
  ['discount_code', 'Discount code'],
  ['custom', 'Custom'],
  ['none', 'No reward'],
] as const;

interface TierDraft {
  fromReferral: string;
  value: string;
}

/** The reward policy card: what every future converted referral earns. Saving makes a new version. */
function PolicyCard() {
  const client = useQueryClient();
  const can = useCan();
  const policy = useQuery({ queryKey: ['policy'], queryFn: () => get<RewardPolicy>('/v1/reward-policy') });
  const [draft, setDraft] = useState<Record<string, string | boolean>>({});
  const [tiers, setTiers] = useState<TierDraft[]>([]);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [editing, setEditing] = useState(false);

  useEffect(() => {
    const p = policy.data;
    if (!p) return;
    setDraft({
      rewardType: p.rewardType,
      value: fromMinor(p.amount, p.currency),
      currency: p.currency,
      rate: p.commissionRateBps ? String(p.commissionRateBps / 100) : '',
      discountPercent: p.discountPercent ? String(p.discountPercent) : '',
      description: p.description ?? '',
      provider: p.provider ?? '',
      autoThank: p.autoThank,
      thankChannel: p.thankChannel,
    });
    setTiers(
      p.tiers.map((tier) => ({
        fromReferral: String(tier.fromReferral),
        value:
          p.rewardType === 'commission_share'
            ? String((tier.commissionRateBps ?? 0) / 100)
            : fromMinor(tier.amount ?? 0, p.currency),
      })),
    );
  }, [policy.data]);

  const save = useMutation({
    mutationFn: (body: unknown) => put<RewardPolicy>('/v1/reward-policy', body),
    onSuccess: (saved) => {
      client.setQueryData(['policy'], saved);
      setError(null);
      toast(saved.version === policy.data?.version ? 'No change to save' : `Policy saved as version ${saved.version}`);
      setEditing(false);
    },
    onError: (e) => setError(e as Error),
  });

  if (policy.isPending) return <Loading />;
  if (policy.error) return <ErrorBanner error={policy.error} />;
  const type = String(draft.rewardType ?? 'gift_card');
  const currency = String(draft.currency ?? 'USD').toUpperCase();
  const commission = type === 'commission_share';
  const set = (key: string, value: string | boolean) => setDraft((d) => ({ ...d, [key]: value }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!isCurrency(currency)) return setError(new Error('Currency: use a three-letter ISO code such as USD or EUR.'));
    const amount = toMinor(String(draft.value || '0'), currency);
    if (amount === null) return setError(new Error(`Reward value: write an amount such as 25.00 (${currency}).`));
    const tierBody = [];
    for (const tier of tiers) {
      const from = Number(tier.fromReferral);
      if (!Number.isInteger(from) || from < 1)
        return setError(new Error('Tiers: “from referral” is a whole number, 1 or more.'));
      if (commission) tierBody.push({ fromReferral: from, commissionRateBps: Math.round(Number(tier.value) * 100) });
      else {
        const tierAmount = toMinor(tier.value, currency);
        if (tierAmount === null) return setError(new Error(`Tiers: write amounts such as 50.00 (${currency}).`));
        tierBody.push({ fromReferral: from, amount: tierAmount });
      }
    }
    save.mutate({
      rewardType: type,
      amount: commission ? 0 : amount,
      currency,
      commissionRateBps: commission ? Math.round(Number(draft.rate || 0) * 100) : null,
      discountPercent: type === 'discount_code' && draft.discountPercent ? Number(draft.discountPercent) : null,
      description: draft.description ? String(draft.description) : null,
      provider: draft.provider ? String(draft.provider) : null,
      autoThank: Boolean(draft.autoThank),
      thankChannel: String(draft.thankChannel),
      tiers: tierBody,
    });
  };

  const p = policy.data;
  const channelLabel = { email: 'email', sms: 'text message', email_and_sms: 'email & text' }[p.thankChannel];
  return (
    <form className="card stack" onSubmit={submit} aria-label="Reward policy">
      <div className="spread">
        <div>
          <h2>Reward policy</h2>
          <div className="policy-summary">{p.summary}</div>
          <div className="facts">
            <span>
              Auto-thank: <b>{p.autoThank ? `on, by ${channelLabel}` : 'off'}</b>
            </span>
            <span>
              Version <b>{p.version}</b> · applies to future converted referrals; claims keep their version
            </span>
          </div>
        </div>
        {can.own ? (
          <button type="button" onClick={() => setEditing((v) => !v)} aria-expanded={editing}>
            {editing ? 'Close' : 'Edit policy'}
          </button>
        ) : (
          <span className="badge">Only the owner can change the policy</span>
        )}
      </div>
      {editing ? (
        <fieldset style={{ border: 0, padding: 0, margin: 0 }} className="stack">
          <div className="policy">
            <label className="field">
              Reward type
              <select value={type} onChange={(e) => set('rewardType', e.target.value)}>
                {REWARD_TYPES.map(([value, label]) => (
                  <option key={value} value={value}>
                    {label}
                  </option>
                ))}
              </select>
            </label>
            {commission ? (
              <label className="field">
                Commission (%)
                <input
                  inputMode="decimal"
                  value={String(draft.rate ?? '')}
                  onChange={(e) => set('rate', e.target.value)}
                  placeholder="10"
                />
              </label>
            ) : type === 'none' ? null : (
              <label className="field">
                Reward value
                <input
                  inputMode="decimal"
                  value={String(draft.value ?? '')}
                  onChange={(e) => set('value', e.target.value)}
                  placeholder="25.00"
                />
              </label>
            )}
            <label className="field">
              Currency
              <input value={currency} maxLength={3} onChange={(e) => set('currency', e.target.value.toUpperCase())} />
            </label>
            {type === 'discount_code' ? (
              <label className="field">
                Or percent off
                <input
                  inputMode="numeric"
                  value={String(draft.discountPercent ?? '')}
                  onChange={(e) => set('discountPercent', e.target.value)}
                  placeholder="20"
                />
              </label>
            ) : null}
            {type === 'custom' ? (
              <label className="field">
                Description
                <input
                  value={String(draft.description ?? '')}
                  onChange={(e) => set('description', e.target.value)}
                  placeholder="Dinner for two"
                />
              </label>
            ) : null}
            <label className="field">
              Provider (optional)
              <input
                value={String(draft.provider ?? '')}
                onChange={(e) => set('provider', e.target.value)}
                placeholder="Tremendous"
              />
            </label>
            <label className="field">
              Thank-you channel
              <select
                value={String(draft.thankChannel ?? 'email')}
                onChange={(e) => set('thankChannel', e.target.value)}
              >
                <option value="email">Email</option>
                <option value="sms">Text message</option>
                <option value="email_and_sms">Email & text</option>
              </select>
            </label>
            <label className="check" style={{ alignSelf: 'end', paddingBottom: 8 }}>
              <input
                type="checkbox"
                checked={Boolean(draft.autoThank)}
                onChange={(e) => set('autoThank', e.target.checked)}
              />
              Auto-thank the referrer
            </label>
          </div>
          <div>
            <h3>Tiers</h3>
            <p className="faint">
              By the referrer’s count of converted referrals, e.g. 25.00 from the 1st, 50.00 from the 3rd.
            </p>
            <div className="stack" style={{ gap: 8 }}>
              {tiers.map((tier, index) => (
                <div className="tier-row" key={index}>
                  <span className="small">From referral</span>
                  <input
                    aria-label={`Tier ${index + 1} from referral`}
                    inputMode="numeric"
                    value={tier.fromReferral}
                    onChange={(e) =>
                      setTiers((all) => all.map((t, i) => (i === index ? { ...t, fromReferral: e.target.value } : t)))
                    }
                  />
                  <span className="small">{commission ? 'rate %' : `amount (${currency})`}</span>
                  <input
                    aria-label={`Tier ${index + 1} ${commission ? 'rate' : 'amount'}`}
                    inputMode="decimal"
                    value={tier.value}
                    onChange={(e) =>
                      setTiers((all) => all.map((t, i) => (i === index ? { ...t, value: e.target.value } : t)))
                    }
                  />
                  <button
                    type="button"
                    className="link"
                    onClick={() => setTiers((all) => all.filter((_, i) => i !== index))}
                  >
                    Remove
                  </button>
                </div>
              ))}
              <div>
                <button
                  type="button"
                  onClick={() =>
                    setTiers((all) => [
                      ...all,
                      {
                        fromReferral: String((Number(all.at(-1)?.fromReferral) || 0) + (all.length ? 2 : 1)),
                        value: '',
                      },
                    ])
                  }
                >
                  Add tier
                </button>
              </div>
            </div>
          </div>
          <ErrorBanner error={error} />
          <div className="row">
            <button className="primary" type="submit" disabled={save.isPending}>
              {save.isPending ? 'Saving…' : 'Save policy'}
            </button>
            <button type="button" className="link" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </fieldset>
      ) : null}
    </form>
  );
}

function RewardCard({ reward }: { reward: Reward }) {
  const client = useQueryClient();
  const can = useCan();
  const [reference, setReference] = useState('');
  const [declining, setDeclining] = useState(false);
  const [reason, setReason] = useState('');
  const refresh = () => {
    client.invalidateQueries({ queryKey: ['rewards'] });
    client.invalidateQueries({ queryKey: ['counts'] });
  };
  const markSent = useMutation({
    mutationFn: () => post<RewardDetail>(`/v1/rewards/${reward.id}/mark-sent`, reference ? { reference } : {}),
    onSuccess: () => {
      toast(`Marked sent: ${reward.summary} to ${reward.referrer.name}`);
      refresh();
    },
  });
  const decline = useMutation({
    mutationFn: () => post<RewardDetail>(`/v1/rewards/${reward.id}/decline`, { reason }),
    onSuccess: () => {
      toast('Recorded as declined');
      refresh();
    },
  });
  const thank = useMutation({
    mutationFn: (action: 'send' | 'mark') => post<RewardDetail>(`/v1/rewards/${reward.id}/thank-you`, { action }),
    onSuccess: () => refresh(),
  });
  const paid = reward.status === 'sent' || reward.status === 'thanked';
  return (
    <article className="card reward-card" aria-label={`Reward for ${reward.referred.name}`}>
      <div>
        <div className="row">
          <span className="who">{reward.referred.name}</span>
          <StatusBadge status={reward.status} />
          {reward.flags.map((flag) => (
            <FlagBadge key={flag.id} type={flag.type} resolved={flag.resolved} />
          ))}
        </div>
        <div className="muted">
          referred by <Link to={`/participants/${reward.referrer.id}`}>{reward.referrer.name}</Link> ·{' '}
          {reward.conversion.type.replace('_', ' ')} {money(reward.conversion.amount, reward.conversion.currency)} on{' '}
          {date(reward.conversion.occurredAt)}
        </div>
        <div className="summary" style={{ marginTop: 6 }}>
          {reward.summary}
        </div>
        <div className="faint">{reward.calculation}</div>
        {reward.notes ? <div className="note">{reward.notes}</div> : null}
        {paid ? (
          <div style={{ marginTop: 8 }}>
            <div className="small">
              Sent <strong>{date(reward.sentAt)}</strong>
              {reward.sentBy ? ` by ${reward.sentBy.name}` : ''}
              {reward.sentReference ? ` · ref ${reward.sentReference}` : ''}
              {reward.thankedAt ? ` · thanked ${date(reward.thankedAt)}` : ''}
            </div>
            {/* biome-ignore lint/a11y/useSemanticElements: a labelled group of badges, not a form fieldset */}
            <div className="channels" role="group" aria-label="Thank-you outcome">
              {reward.thankYou.length === 0 ? <span className="badge">No thank-you queued</span> : null}
              {reward.thankYou.map((message) => (
                <ChannelOutcome key={message.messageId} message={message} />
              ))}
            </div>
          </div>
        ) : null}
      </div>
      <div className="actions">
        <Link to={`/rewards/${reward.id}`} className="small right">
          Details →
        </Link>
        {reward.status === 'pending' && can.fulfil ? (
          <>
            <input
              placeholder="Reference (optional)"
              aria-label="Reference"
              value={reference}
              onChange={(e) => setReference(e.target.value)}
            />
            <button className="primary" type="button" onClick={() => markSent.mutate()} disabled={markSent.isPending}>
              {markSent.isPending ? 'Marking…' : 'Mark reward sent'}
            </button>
            {declining ? (
              <form
                className="stack"
                style={{ gap: 6 }}
                onSubmit={(e) => {
                  e.preventDefault();
                  decline.mutate();
                }}
              >
                <input
                  placeholder="Why? (the referrer declined…)"
                  aria-label="Decline reason"
                  value={reason}
                  onChange={(e) => setReason(e.target.value)}
                  required
                  autoFocus
                />
                <div className="row">
                  <button type="submit" className="danger" disabled={decline.isPending}>
                    Record decline
                  </button>
                  <button type="button" className="link" onClick={() => setDeclining(false)}>
                    Cancel
                  </button>
                </div>
              </form>
            ) : (
              <button type="button" className="danger" onClick={() => setDeclining(true)}>
                Decline
              </button>
            )}
          </>
        ) : null}
        {reward.status === 'in_review' ? (
          <Link to="/approvals" className="button">
            Waiting for approval
          </Link>
        ) : null}
        {reward.status === 'sent' && can.fulfil ? (
          <>
            {reward.thankYou.some((m) =>
              ['queued', 'sending', 'held', 'sent', 'delivered'].includes(m.status),
            ) ? null : (
              <button type="button" onClick={() => thank.mutate('send')} disabled={thank.isPending}>
                Send thank-you
              </button>
            )}
            <button type="button" className="link" onClick={() => thank.mutate('mark')} disabled={thank.isPending}>
              Mark thanked (in person)
            </button>
          </>
        ) : null}
        <ErrorBanner error={markSent.error ?? decline.error ?? thank.error} />
      </div>
    </article>
  );
}

const TABS = [
  { key: 'pending', label: 'Pending', statuses: 'pending', count: ['pending'] },
  { key: 'sent', label: 'Sent', statuses: 'sent,thanked', count: ['sent', 'thanked'] },
  { key: 'review', label: 'In review', statuses: 'in_review', count: ['in_review'] },
  {
    key: 'closed',
    label: 'Closed',
    statuses: 'declined,failed,rejected,reversed',
    count: ['declined', 'failed', 'rejected', 'reversed'],
  },
] as const;

const EMPTY: Record<string, [string, string]> = {
  pending: [
    'Nothing to send right now',
    'Approved rewards appear here. Claims waiting for a decision are under Approvals.',
  ],
  sent: ['No rewards sent yet', 'Rewards you mark sent appear here with the date and the thank-you outcome.'],
  review: ['No claims waiting for review', 'New claims appear here when a referred customer converts.'],
  closed: ['Nothing closed', 'Declined, rejected and reversed rewards end up here.'],
};

function Queue() {
  const [tab, setTab] = useState<(typeof TABS)[number]>(TABS[0]);
  const counts = useQuery({ queryKey: ['counts'], queryFn: () => get<Record<string, number>>('/v1/rewards/counts') });
  const rewards = useInfiniteQuery({
    queryKey: ['rewards', tab.statuses],
    queryFn: ({ pageParam }) =>
      get<Page<Reward>>(
        `/v1/rewards?status=${tab.statuses}&limit=20${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ''}`,
      ),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const items = rewards.data?.pages.flatMap((page) => page.items) ?? [];
  const empty = EMPTY[tab.key] ?? ['Nothing here', ''];
  return (
    <section aria-label="Reward queue">
      <div className="tabs" role="tablist">
        {TABS.map((t) => (
          <button
            key={t.key}
            type="button"
            role="tab"
            aria-selected={t.key === tab.key}
            className={`tab${t.key === tab.key ? ' active' : ''}`}
            onClick={() => setTab(t)}
          >
            {t.label}
            <span className="nav-count">{t.count.reduce((sum, status) => sum + (counts.data?.[status] ?? 0), 0)}</span>
          </button>
        ))}
      </div>
      <ErrorBanner error={rewards.error} />
      {rewards.isPending ? <Loading /> : null}
      {!rewards.isPending && items.length === 0 ? (
        <Empty title={empty[0]}>
          <p>{empty[1]}</p>
        </Empty>
      ) : null}
      <div className="stack">
        {items.map((reward) => (
          <RewardCard key={reward.id} reward={reward} />
        ))}
      </div>
      <LoadMore query={rewards} />
    </section>
  );
}

export function Rewards() {
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Rewards</h1>
          <p>Fulfil approved rewards outside Rewardloop, then mark them sent: the referrer is thanked automatically.</p>
        </div>
      </div>
      <PolicyCard />
      <Queue />
    </>
  );
}
