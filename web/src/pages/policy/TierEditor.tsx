import type { Issues } from '../../forms';
import { FieldIssue } from '../../ui';
import { nextTier, type TierDraft } from './policy-draft';

function TierRow({
  tier,
  index,
  unit,
  commission,
  issues,
  onChange,
  onRemove,
}: {
  tier: TierDraft;
  index: number;
  unit: string;
  commission: boolean;
  issues: Issues;
  onChange: (tier: TierDraft) => void;
  onRemove: () => void;
}) {
  const valueName = `tiers.${index}.${commission ? 'commissionRateBps' : 'amount'}`;
  return (
    <div className="tier-row">
      <span className="small">From referral</span>
      <input
        aria-label={`Tier ${index + 1} from referral`}
        inputMode="numeric"
        value={tier.fromReferral}
        onChange={(e) => onChange({ ...tier, fromReferral: e.target.value })}
      />
      <span className="small">{unit}</span>
      <input
        aria-label={`Tier ${index + 1} ${commission ? 'rate' : 'amount'}`}
        inputMode="decimal"
        value={tier.value}
        onChange={(e) => onChange({ ...tier, value: e.target.value })}
      />
      <button type="button" className="link" onClick={onRemove}>
        Remove
      </button>
      <FieldIssue issues={issues} name={`tiers.${index}.fromReferral`} />
      <FieldIssue issues={issues} name={valueName} />
    </div>
  );
}

/** Tiers by the referrer's count of converted referrals. */
export function TierEditor({
  tiers,
  onChange,
  commission,
  currency,
  issues,
}: {
  tiers: TierDraft[];
  onChange: (tiers: TierDraft[]) => void;
  commission: boolean;
  currency: string;
  issues: Issues;
}) {
  return (
    <div>
      <h3>Tiers</h3>
      <p className="faint">
        By the referrer’s count of converted referrals, e.g. 25.00 from the 1st, 50.00 from the 3rd.
      </p>
      <div className="stack" style={{ gap: 8 }}>
        {tiers.map((tier, index) => (
          <TierRow
            key={index}
            tier={tier}
            index={index}
            unit={commission ? 'rate %' : `amount (${currency})`}
            commission={commission}
            issues={issues}
            onChange={(next) => onChange(tiers.map((t, i) => (i === index ? next : t)))}
            onRemove={() => onChange(tiers.filter((_, i) => i !== index))}
          />
        ))}
        <FieldIssue issues={issues} name="tiers" />
        <div>
          <button type="button" onClick={() => onChange([...tiers, nextTier(tiers)])}>
            Add tier
          </button>
        </div>
      </div>
    </div>
  );
}
