import type { Issues } from '../../forms';
import { FieldIssue } from '../../ui';
import { type MilestoneDraft, nextMilestone, type ReferredDraft } from './policy-draft';

/** Milestone bonuses: a bonus claim once per referrer when their converted referrals reach a number. */
export function MilestoneEditor({
  milestones,
  onChange,
  currency,
  issues,
}: {
  milestones: MilestoneDraft[];
  onChange: (milestones: MilestoneDraft[]) => void;
  currency: string;
  issues: Issues;
}) {
  const update = (index: number, change: Partial<MilestoneDraft>) =>
    onChange(milestones.map((m, i) => (i === index ? { ...m, ...change } : m)));
  return (
    <div>
      <h3>Milestone bonuses</h3>
      <p className="faint">
        Once per referrer, when their converted referrals reach the number; reviewed and approved like any claim.
      </p>
      <div className="stack" style={{ gap: 8 }}>
        {milestones.map((milestone, index) => (
          <div className="tier-row" key={index}>
            <span className="small">At referral</span>
            <input
              aria-label={`Milestone ${index + 1} at referral`}
              inputMode="numeric"
              value={milestone.atReferral}
              onChange={(e) => update(index, { atReferral: e.target.value })}
            />
            <span className="small">bonus ({currency})</span>
            <input
              aria-label={`Milestone ${index + 1} bonus`}
              inputMode="decimal"
              value={milestone.value}
              onChange={(e) => update(index, { value: e.target.value })}
            />
            <input
              aria-label={`Milestone ${index + 1} description`}
              placeholder="Description (optional)"
              value={milestone.description}
              onChange={(e) => update(index, { description: e.target.value })}
            />
            <button type="button" className="link" onClick={() => onChange(milestones.filter((_, i) => i !== index))}>
              Remove
            </button>
            <FieldIssue issues={issues} name={`milestones.${index}.atReferral`} />
            <FieldIssue issues={issues} name={`milestones.${index}.amount`} />
            <FieldIssue issues={issues} name={`milestones.${index}.rewardType`} />
            <FieldIssue issues={issues} name={`milestones.${index}.description`} />
          </div>
        ))}
        <FieldIssue issues={issues} name="milestones" />
        <div>
          <button type="button" onClick={() => onChange([...milestones, nextMilestone(milestones)])}>
            Add milestone
          </button>
        </div>
      </div>
    </div>
  );
}

const REFERRED_TYPES: [ReferredDraft['rewardType'], string][] = [
  ['', 'No reward for the referred person'],
  ['account_credit', 'Account credit'],
  ['discount_code', 'Discount code'],
  ['gift_card', 'Gift card'],
  ['custom', 'Custom reward'],
];

/** Double-sided programs: the referred person's own reward, through the same checks and approvals. */
export function ReferredRewardEditor({
  referred,
  onChange,
  currency,
  issues,
}: {
  referred: ReferredDraft;
  onChange: (referred: ReferredDraft) => void;
  currency: string;
  issues: Issues;
}) {
  const set = (change: Partial<ReferredDraft>) => onChange({ ...referred, ...change });
  return (
    <div>
      <h3>Reward for the referred person</h3>
      <p className="faint">
        Double-sided: the friend gets a reward of their own, welcomed by its own message once it is sent.
      </p>
      <div className="tier-row">
        <select
          aria-label="Referred person's reward"
          value={referred.rewardType}
          onChange={(e) => set({ rewardType: e.target.value as ReferredDraft['rewardType'] })}
        >
          {REFERRED_TYPES.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
        {referred.rewardType && referred.rewardType !== 'custom' ? (
          <>
            <span className="small">amount ({currency})</span>
            <input
              aria-label="Referred person's reward amount"
              inputMode="decimal"
              value={referred.value}
              onChange={(e) => set({ value: e.target.value })}
            />
          </>
        ) : null}
        {referred.rewardType === 'custom' ? (
          <input
            aria-label="Referred person's reward description"
            placeholder="e.g. Free first inspection"
            value={referred.description}
            onChange={(e) => set({ description: e.target.value })}
          />
        ) : null}
        {referred.rewardType ? (
          <select
            aria-label="When the referred person is rewarded"
            value={referred.when}
            onChange={(e) => set({ when: e.target.value as ReferredDraft['when'] })}
          >
            <option value="conversion">when they buy, beside the referrer’s claim</option>
            <option value="lead">when they are referred (the lead)</option>
          </select>
        ) : null}
        <FieldIssue issues={issues} name="referredReward.amount" />
        <FieldIssue issues={issues} name="referredReward.description" />
        <FieldIssue issues={issues} name="referredReward.when" />
        <FieldIssue issues={issues} name="referredReward.rewardType" />
      </div>
    </div>
  );
}
