import { formatMoney } from '../shared/currency.js';

export const REWARD_TYPES = [
  'gift_card',
  'commission_share',
  'account_credit',
  'discount_code',
  'custom',
  'none',
] as const;
export type RewardType = (typeof REWARD_TYPES)[number];

export const THANK_CHANNELS = ['email', 'sms', 'email_and_sms'] as const;
export type ThankChannel = (typeof THANK_CHANNELS)[number];

export interface Tier {
  fromReferral: number;
  amount?: number | undefined;
  commissionRateBps?: number | undefined;
}

/** A double-sided program: what the referred person gets, at the lead or with the referrer's claim. */
export interface ReferredRewardTerms {
  rewardType: RewardType;
  amount: number;
  when: 'lead' | 'conversion';
  description?: string | null | undefined;
}

/** A bonus once a referrer's converted referrals reach `atReferral`. */
export interface MilestoneTerms {
  atReferral: number;
  amount: number;
  rewardType?: RewardType | undefined;
  description?: string | null | undefined;
}

/** What the reward maths needs of a policy version. */
export interface PolicyTerms {
  version: number;
  rewardType: RewardType;
  amount: number;
  currency: string;
  commissionRateBps: number | null;
  discountPercent: number | null;
  description: string | null;
  provider: string | null;
  tiers: Tier[];
  referredReward?: ReferredRewardTerms | null | undefined;
  milestones?: MilestoneTerms[] | undefined;
}

export const REWARD_TYPE_LABEL: Record<RewardType, string> = {
  gift_card: 'Gift card',
  commission_share: 'Commission share',
  account_credit: 'Account credit',
  discount_code: 'Discount code',
  custom: 'Custom reward',
  none: 'No reward',
};

/** `1000` → `10%`, `1250` → `12.5%`, `333` → `3.33%`: basis points for people. */
export function formatRate(bps: number): string {
  const whole = Math.trunc(bps / 100);
  const fraction = (bps % 100).toString().padStart(2, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}%` : `${whole}%`;
}

/** `1` → `1st`, `2` → `2nd`, `11` → `11th`, `23` → `23rd`. */
export function ordinal(n: number): string {
  const mod100 = n % 100;
  if (mod100 >= 11 && mod100 <= 13) return `${n}th`;
  const suffix = { 1: 'st', 2: 'nd', 3: 'rd' }[n % 10] ?? 'th';
  return `${n}${suffix}`;
}

/** How the policy reads on the policy card, e.g. "Gift card, 25.00 USD via Tremendous; 50.00 USD from the 3rd referral". */
export function describePolicy(policy: PolicyTerms): string {
  const base = (() => {
    switch (policy.rewardType) {
      case 'commission_share':
        return `Commission share, ${formatRate(policy.commissionRateBps ?? 0)} of the conversion`;
      case 'discount_code':
        return policy.discountPercent
          ? `Discount code, ${policy.discountPercent}% off`
          : `Discount code, ${formatMoney(policy.amount, policy.currency)} off`;
      case 'custom':
        return `Custom reward: ${policy.description ?? ''}`.trim();
      case 'none':
        return 'No reward';
      default:
        return `${REWARD_TYPE_LABEL[policy.rewardType]}, ${formatMoney(policy.amount, policy.currency)}`;
    }
  })();
  const provider = policy.provider && policy.rewardType !== 'none' ? ` via ${policy.provider}` : '';
  const tiers = policy.tiers
    .map((tier) =>
      tier.commissionRateBps !== undefined && policy.rewardType === 'commission_share'
        ? `${formatRate(tier.commissionRateBps)} from the ${ordinal(tier.fromReferral)} referral`
        : tier.amount !== undefined
          ? `${formatMoney(tier.amount, policy.currency)} from the ${ordinal(tier.fromReferral)} referral`
          : '',
    )
    .filter(Boolean);
  const extras = [
    ...(policy.milestones ?? []).map(
      (m) => `a ${formatMoney(m.amount, policy.currency)} bonus at the ${ordinal(m.atReferral)} referral`,
    ),
    ...(policy.referredReward
      ? [
          `the referred person gets ${describeFixed(policy.referredReward, policy.currency)} ${policy.referredReward.when === 'lead' ? 'when they sign up' : 'when they buy'}`,
        ]
      : []),
  ];
  return `${base}${provider}${tiers.length ? `; ${tiers.join(', ')}` : ''}${extras.length ? `; ${extras.join('; ')}` : ''}`;
}

/** A fixed reward for people: "a 20.00 USD account credit", "a custom reward: Free inspection". */
export function describeFixed(
  reward: { rewardType: RewardType; amount: number; description?: string | null | undefined },
  currency: string,
): string {
  if (reward.rewardType === 'custom') return `a custom reward: ${reward.description ?? ''}`.trim();
  const label = REWARD_TYPE_LABEL[reward.rewardType].toLowerCase();
  return `a ${formatMoney(reward.amount, currency)} ${label}`;
}

/** A milestone bonus's reward type: its own, else the policy's. */
export function milestoneRewardType(policy: Pick<PolicyTerms, 'rewardType'>, milestone: MilestoneTerms): RewardType {
  return milestone.rewardType ?? policy.rewardType;
}

/** A new workspace can take conversions at once: a 25.00 USD gift card, thanked by email. */
export const DEFAULT_POLICY: Omit<PolicyTerms, 'version'> & { autoThank: boolean; thankChannel: ThankChannel } = {
  rewardType: 'gift_card',
  amount: 2500,
  currency: 'USD',
  commissionRateBps: null,
  discountPercent: null,
  description: null,
  provider: null,
  tiers: [],
  autoThank: true,
  thankChannel: 'email',
};
