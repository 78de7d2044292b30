import type { RewardType, ThankChannel } from '../../../../src/policy/policy.core.js';
import { RewardPolicyInputSchema } from '../../../../src/policy/policy.schema.js';
import type { RewardPolicy } from '../../api';
import { fromMinor } from '../../format';
import { FormReader } from '../../forms';

/** One tier as typed: from which referral, and its amount (or rate, in %, for commission). */
export type TierDraft = { fromReferral: string; value: string };

/** A milestone bonus as typed. */
export type MilestoneDraft = { atReferral: string; value: string; description: string };

/** A double-sided program's reward for the referred person, as typed ('' type: none). */
export type ReferredDraft = {
  rewardType: '' | 'gift_card' | 'account_credit' | 'discount_code' | 'custom';
  value: string;
  when: 'lead' | 'conversion';
  description: string;
};

/** The reward policy as the form holds it: text as typed. */
export type PolicyDraft = {
  rewardType: RewardType;
  value: string;
  currency: string;
  ratePercent: string;
  discountPercent: string;
  description: string;
  provider: string;
  autoThank: boolean;
  thankChannel: ThankChannel;
  tiers: TierDraft[];
  milestones: MilestoneDraft[];
  referred: ReferredDraft;
  autoFulfil: boolean;
  codeSource: 'generated' | 'pool';
  codePrefix: string;
  codeValidDays: string;
};

/** Basis points as a percentage a person types: 1250 → "12.5". */
const percent = (bps: number | null | undefined) => (bps ? String(bps / 100) : '');

export function policyToDraft(policy: RewardPolicy): PolicyDraft {
  const commission = policy.rewardType === 'commission_share';
  return {
    rewardType: policy.rewardType,
    value: fromMinor(policy.amount, policy.currency),
    currency: policy.currency,
    ratePercent: percent(policy.commissionRateBps),
    discountPercent: policy.discountPercent ? String(policy.discountPercent) : '',
    description: policy.description ?? '',
    provider: policy.provider ?? '',
    autoThank: policy.autoThank,
    thankChannel: policy.thankChannel,
    autoFulfil: policy.autoFulfil,
    codeSource: policy.codeSource,
    codePrefix: policy.codePrefix ?? '',
    codeValidDays: policy.codeValidDays ? String(policy.codeValidDays) : '',
    tiers: policy.tiers.map((tier) => ({
      fromReferral: String(tier.fromReferral),
      value: commission ? percent(tier.commissionRateBps) : fromMinor(tier.amount ?? 0, policy.currency),
    })),
    milestones: policy.milestones.map((m) => ({
      atReferral: String(m.atReferral),
      value: fromMinor(m.amount, policy.currency),
      description: m.description ?? '',
    })),
    referred: policy.referredReward
      ? {
          rewardType: policy.referredReward.rewardType as ReferredDraft['rewardType'],
          value: fromMinor(policy.referredReward.amount, policy.currency),
          when: policy.referredReward.when,
          description: policy.referredReward.description ?? '',
        }
      : { rewardType: '', value: '', when: 'conversion', description: '' },
  };
}

/** The next milestone a person most likely wants: five referrals after the last one. */
export function nextMilestone(milestones: MilestoneDraft[]): MilestoneDraft {
  const last = Number(milestones.at(-1)?.atReferral) || 0;
  return { atReferral: String(last + 5), value: '', description: '' };
}

/** The next tier a person most likely wants: two referrals after the last one. */
export function nextTier(tiers: TierDraft[]): TierDraft {
  const last = Number(tiers.at(-1)?.fromReferral) || 0;
  return { fromReferral: String(last + (tiers.length ? 2 : 1)), value: '' };
}

/** The body for PUT /v1/reward-policy, checked by the server's RewardPolicyInputSchema. */
export function readPolicyDraft(draft: PolicyDraft) {
  const form = new FormReader();
  const currency = draft.currency.toUpperCase();
  const commission = draft.rewardType === 'commission_share';
  const bps = (text: string, path: string) => {
    const rate = form.decimal(text, path);
    return rate === null ? null : Math.round(rate * 100);
  };
  const tiers = draft.tiers.map((tier, index) => {
    const fromReferral = form.whole(tier.fromReferral, `tiers.${index}.fromReferral`);
    return commission
      ? { fromReferral, commissionRateBps: bps(tier.value, `tiers.${index}.commissionRateBps`) ?? undefined }
      : { fromReferral, amount: form.amount(tier.value, currency, `tiers.${index}.amount`) ?? undefined };
  });
  const milestones = draft.milestones.map((m, index) => ({
    atReferral: form.whole(m.atReferral, `milestones.${index}.atReferral`),
    amount: form.amount(m.value, currency, `milestones.${index}.amount`) ?? 0,
    // A commission program pays its bonuses as gift cards (a bonus is a fixed amount).
    ...(commission ? { rewardType: 'gift_card' as const } : {}),
    description: m.description.trim() || null,
  }));
  const referred = draft.referred;
  const referredReward = referred.rewardType
    ? {
        rewardType: referred.rewardType,
        amount:
          referred.rewardType === 'custom' ? 0 : (form.amount(referred.value, currency, 'referredReward.amount') ?? 0),
        when: referred.when,
        description: referred.description.trim() || null,
      }
    : null;
  const body = form.check(RewardPolicyInputSchema, {
    rewardType: draft.rewardType,
    amount: commission || draft.rewardType === 'none' ? 0 : (form.amount(draft.value, currency, 'amount') ?? 0),
    currency,
    commissionRateBps: commission ? bps(draft.ratePercent, 'commissionRateBps') : null,
    discountPercent: draft.rewardType === 'discount_code' ? form.whole(draft.discountPercent, 'discountPercent') : null,
    description: draft.description || null,
    provider: draft.provider || null,
    autoThank: draft.autoThank,
    thankChannel: draft.thankChannel,
    tiers,
    milestones,
    referredReward,
    // Kept as they are for other reward types, so saving never drops them.
    autoFulfil: draft.rewardType === 'gift_card' && draft.autoFulfil,
    codeSource: draft.codeSource,
    codePrefix: draft.codePrefix.trim().toUpperCase() || null,
    codeValidDays: form.whole(draft.codeValidDays, 'codeValidDays'),
  });
  return { body, issues: form.issues };
}
