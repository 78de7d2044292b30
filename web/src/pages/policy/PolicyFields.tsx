import type { InputHTMLAttributes } from 'react';
import { REWARD_TYPES, THANK_CHANNELS } from '../../../../src/policy/policy.core.js';
import { REWARD_TYPE_LABEL, THANK_CHANNEL_LABEL } from '../../format';
import type { Issues } from '../../forms';
import { FieldIssue } from '../../ui';
import type { PolicyDraft } from './policy-draft';

type Props = { draft: PolicyDraft; set: (change: Partial<PolicyDraft>) => void; issues: Issues };

function Field({
  label,
  name,
  issues,
  ...input
}: { label: string; name: string; issues: Issues } & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <label className="field">
      {label}
      <input {...input} />
      <FieldIssue issues={issues} name={name} />
    </label>
  );
}

/** What the reward is worth: an amount, a commission rate, or a percentage off, by reward type. */
function ValueFields({ draft, set, issues }: Props) {
  if (draft.rewardType === 'none') return null;
  if (draft.rewardType === 'commission_share') {
    return (
      <Field
        label="Commission (%)"
        name="commissionRateBps"
        issues={issues}
        inputMode="decimal"
        placeholder="10"
        value={draft.ratePercent}
        onChange={(e) => set({ ratePercent: e.target.value })}
      />
    );
  }
  return (
    <>
      <Field
        label="Reward value"
        name="amount"
        issues={issues}
        inputMode="decimal"
        placeholder="25.00"
        value={draft.value}
        onChange={(e) => set({ value: e.target.value })}
      />
      {draft.rewardType === 'discount_code' ? (
        <Field
          label="Or percent off"
          name="discountPercent"
          issues={issues}
          inputMode="numeric"
          placeholder="20"
          value={draft.discountPercent}
          onChange={(e) => set({ discountPercent: e.target.value })}
        />
      ) : null}
    </>
  );
}

function ThankFields({ draft, set }: Props) {
  return (
    <>
      <label className="field">
        Thank-you channel
        <select
          value={draft.thankChannel}
          onChange={(e) => set({ thankChannel: THANK_CHANNELS.find((c) => c === e.target.value) ?? 'email' })}
        >
          {THANK_CHANNELS.map((channel) => (
            <option key={channel} value={channel}>
              {THANK_CHANNEL_LABEL[channel]}
            </option>
          ))}
        </select>
      </label>
      <label className="check" style={{ alignSelf: 'end', paddingBottom: 8 }}>
        <input type="checkbox" checked={draft.autoThank} onChange={(e) => set({ autoThank: e.target.checked })} />
        Auto-thank the referrer
      </label>
    </>
  );
}

/** The policy's own fields (the tiers are beside them). */
export function PolicyFields(props: Props) {
  const { draft, set, issues } = props;
  return (
    <div className="policy">
      <label className="field">
        Reward type
        <select
          value={draft.rewardType}
          onChange={(e) => set({ rewardType: REWARD_TYPES.find((t) => t === e.target.value) ?? 'gift_card' })}
        >
          {REWARD_TYPES.map((type) => (
            <option key={type} value={type}>
              {REWARD_TYPE_LABEL[type]}
            </option>
          ))}
        </select>
      </label>
      <ValueFields {...props} />
      <Field
        label="Currency"
        name="currency"
        issues={issues}
        maxLength={3}
        value={draft.currency}
        onChange={(e) => set({ currency: e.target.value.toUpperCase() })}
      />
      {draft.rewardType === 'custom' ? (
        <Field
          label="Description"
          name="description"
          issues={issues}
          placeholder="Dinner for two"
          value={draft.description}
          onChange={(e) => set({ description: e.target.value })}
        />
      ) : null}
      {draft.rewardType === 'gift_card' ? (
        <label className="check" style={{ alignSelf: 'end', paddingBottom: 8 }}>
          <input type="checkbox" checked={draft.autoFulfil} onChange={(e) => set({ autoFulfil: e.target.checked })} />
          Order gift cards from Tremendous (connect it in Settings → Integrations)
        </label>
      ) : null}
      {draft.rewardType === 'discount_code' ? (
        <>
          <label className="field">
            Codes
            <select
              value={draft.codeSource}
              onChange={(e) => set({ codeSource: e.target.value === 'pool' ? 'pool' : 'generated' })}
            >
              <option value="generated">Generated on approval</option>
              <option value="pool">From the uploaded pool</option>
            </select>
          </label>
          {draft.codeSource === 'generated' ? (
            <Field
              label="Code prefix (optional)"
              name="codePrefix"
              issues={issues}
              placeholder="FRIEND-"
              value={draft.codePrefix}
              onChange={(e) => set({ codePrefix: e.target.value.toUpperCase() })}
            />
          ) : null}
          <Field
            label="Valid for (days, optional)"
            name="codeValidDays"
            issues={issues}
            inputMode="numeric"
            placeholder="90"
            value={draft.codeValidDays}
            onChange={(e) => set({ codeValidDays: e.target.value })}
          />
        </>
      ) : null}
      <Field
        label="Provider (optional)"
        name="provider"
        issues={issues}
        placeholder="Tremendous"
        value={draft.provider}
        onChange={(e) => set({ provider: e.target.value })}
      />
      <ThankFields {...props} />
    </div>
  );
}
