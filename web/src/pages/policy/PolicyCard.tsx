import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { get, put, type RewardPolicy } from '../../api';
import { useCan } from '../../app';
import { THANK_CHANNEL_LABEL } from '../../format';
import type { Issues } from '../../forms';
import { ErrorBanner, IssueBanner, Loading, toast } from '../../ui';
import { MilestoneEditor, ReferredRewardEditor } from './ExtrasEditor';
import { PolicyFields } from './PolicyFields';
import { type PolicyDraft, policyToDraft, readPolicyDraft } from './policy-draft';
import { TierEditor } from './TierEditor';

const FIELDS = [
  'rewardType',
  'amount',
  'currency',
  'commissionRateBps',
  'discountPercent',
  'description',
  'provider',
  'tiers',
  'milestones',
  'referredReward',
  'autoFulfil',
  'codeSource',
  'codePrefix',
  'codeValidDays',
];

function PolicySummary({ policy }: { policy: RewardPolicy }) {
  return (
    <div>
      <h2>Reward policy</h2>
      <div className="policy-summary">{policy.summary}</div>
      <div className="facts">
        <span>
          Auto-thank:{' '}
          <b>{policy.autoThank ? `on, by ${THANK_CHANNEL_LABEL[policy.thankChannel].toLowerCase()}` : 'off'}</b>
        </span>
        {policy.rewardType === 'gift_card' ? (
          <span>
            Fulfilment: <b>{policy.autoFulfil ? 'ordered from Tremendous' : 'by hand'}</b>
          </span>
        ) : null}
        {policy.rewardType === 'discount_code' ? (
          <span>
            Codes:{' '}
            <b>
              {policy.codeSource === 'pool'
                ? 'from the uploaded pool'
                : `generated${policy.codePrefix ? ` (${policy.codePrefix}…)` : ''}`}
              {policy.codeValidDays ? `, valid ${policy.codeValidDays} days` : ''}
            </b>
          </span>
        ) : null}
        <span>
          Version <b>{policy.version}</b> · applies to future converted referrals; claims keep their version
        </span>
      </div>
    </div>
  );
}

/** The form that edits the policy; saving makes a new version (or changes nothing when nothing changed). */
function PolicyEditor({ policy, onClose }: { policy: RewardPolicy; onClose: () => void }) {
  const client = useQueryClient();
  const [draft, setDraft] = useState<PolicyDraft>(() => policyToDraft(policy));
  const [issues, setIssues] = useState<Issues>({});
  const save = useMutation({
    mutationFn: (body: unknown) => put<RewardPolicy>('/v1/reward-policy', body),
    onSuccess: (saved) => {
      client.setQueryData(['policy'], saved);
      toast(saved.version === policy.version ? 'No change to save' : `Policy saved as version ${saved.version}`);
      onClose();
    },
  });
  const set = (change: Partial<PolicyDraft>) => setDraft({ ...draft, ...change });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const { body, issues } = readPolicyDraft(draft);
    setIssues(issues);
    if (body) save.mutate(body);
  };
  return (
    <form className="plain stack" onSubmit={submit} aria-label="Edit the reward policy">
      <PolicyFields draft={draft} set={set} issues={issues} />
      <TierEditor
        tiers={draft.tiers}
        onChange={(tiers) => set({ tiers })}
        commission={draft.rewardType === 'commission_share'}
        currency={draft.currency}
        issues={issues}
      />
      <MilestoneEditor
        milestones={draft.milestones}
        onChange={(milestones) => set({ milestones })}
        currency={draft.currency}
        issues={issues}
      />
      <ReferredRewardEditor
        referred={draft.referred}
        onChange={(referred) => set({ referred })}
        currency={draft.currency}
        issues={issues}
      />
      <IssueBanner issues={issues} fields={FIELDS} />
      <ErrorBanner error={save.error} />
      <div className="row">
        <button className="primary" type="submit" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save policy'}
        </button>
        <button type="button" className="link" onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** The reward policy card: what every future converted referral earns. */
export function PolicyCard() {
  const can = useCan();
  const policy = useQuery({ queryKey: ['policy'], queryFn: () => get<RewardPolicy>('/v1/reward-policy') });
  const [editing, setEditing] = useState(false);
  if (policy.isPending) return <Loading />;
  if (policy.error) return <ErrorBanner error={policy.error} />;
  return (
    <section className="card stack" aria-label="Reward policy">
      <div className="spread">
        <PolicySummary policy={policy.data} />
        {can.may('policy:write') ? (
          <button type="button" onClick={() => setEditing((v) => !v)} aria-expanded={editing}>
            {editing ? 'Close' : 'Edit policy'}
          </button>
        ) : (
          <span className="badge">Only the owner can change the policy</span>
        )}
      </div>
      {editing ? <PolicyEditor policy={policy.data} onClose={() => setEditing(false)} /> : null}
    </section>
  );
}
