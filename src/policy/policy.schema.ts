import { z } from 'zod';
import { DISCOUNT_CODE_SOURCES } from '../discount-codes/discount-code.core.js';
import { DEFAULT_TAX_THRESHOLD, DEFAULT_TAXABLE_REWARD_TYPES } from '../payouts/tax.core.js';
import { AmountSchema, CurrencySchema, DateTimeSchema, TimestampSchema, text } from '../shared/schemas.js';
import { PARTICIPANT_KINDS, QUALIFYING_CANDIDATES, REFERRED_REWARD_WHEN } from '../shared/vocabulary.js';
import { REWARD_TYPES, THANK_CHANNELS } from './policy.core.js';

const TierSchema = z.strictObject({
  fromReferral: z.int('Must be a whole number.').min(1, 'Tiers start from the 1st referral or later.').max(10_000),
  amount: AmountSchema.optional(),
  commissionRateBps: z.int().min(0).max(10_000).optional(),
});

/** The fixed-amount reward types a bonus or a referred person's reward can be. */
const FIXED_TYPES = ['gift_card', 'account_credit', 'discount_code', 'custom'] as const;

const ReferredRewardSchema = z
  .strictObject({
    rewardType: z.enum(FIXED_TYPES),
    amount: AmountSchema.default(0),
    when: z.enum(REFERRED_REWARD_WHEN).meta({
      description:
        '`lead`: when the referral is recorded (a welcome offer); `conversion`: beside the referrer’s claim, when the referred person buys.',
    }),
    description: text(500).nullable().optional(),
  })
  .superRefine((reward, ctx) => {
    if (reward.rewardType === 'custom' ? !reward.description : reward.amount < 1) {
      ctx.addIssue({
        code: 'custom',
        path: reward.rewardType === 'custom' ? ['description'] : ['amount'],
        message:
          reward.rewardType === 'custom'
            ? 'Describe the custom reward (e.g. "Free first inspection").'
            : 'Needs an amount above 0 (minor units).',
      });
    }
  })
  .meta({
    description: 'Double-sided programs: the referred person’s own reward, through the same checks and approvals.',
  });

const MilestoneSchema = z.strictObject({
  atReferral: z.int('Must be a whole number.').min(1, 'From the 1st referral or later.').max(10_000),
  amount: AmountSchema,
  rewardType: z.enum(FIXED_TYPES).optional().meta({
    description: 'The bonus’s type; the policy’s own when not given (required for commission programs).',
  }),
  description: text(500).nullable().optional(),
});

export const RewardPolicyInputSchema = z
  .strictObject({
    rewardType: z.enum(REWARD_TYPES),
    amount: AmountSchema.default(0),
    currency: CurrencySchema,
    commissionRateBps: z
      .int('Must be a whole number of basis points (1000 = 10%).')
      .min(1, 'Must be at least 1 basis point.')
      .max(10_000, 'Must be at most 10000 basis points (100%).')
      .nullable()
      .optional(),
    discountPercent: z.int().min(1).max(100).nullable().optional(),
    description: text(500).nullable().optional(),
    provider: text(100).nullable().optional(),
    autoThank: z.boolean().default(true),
    thankChannel: z.enum(THANK_CHANNELS).default('email'),
    tiers: z.array(TierSchema).max(20, 'At most 20 tiers.').default([]),
    referredReward: ReferredRewardSchema.nullable().optional(),
    milestones: z.array(MilestoneSchema).max(20, 'At most 20 milestones.').default([]).meta({
      description:
        'A bonus claim once per milestone per referrer, when their converted referrals reach `atReferral`; reviewed like any claim.',
    }),
    autoFulfil: z.boolean().default(false).meta({
      description:
        'Gift cards: order each approved reward from the connected provider (Tremendous) instead of by hand.',
    }),
    codeSource: z.enum(DISCOUNT_CODE_SOURCES).default('generated').meta({
      description: 'Discount codes: `generated` on approval (unguessable), or taken from the uploaded `pool`.',
    }),
    codePrefix: z
      .string()
      .max(20, 'At most 20 characters.')
      .regex(/^[A-Z0-9-]*$/, 'Capital letters, digits and dashes only (e.g. "FRIEND-").')
      .nullable()
      .optional()
      .meta({ description: 'Discount codes: what a generated code starts with.' }),
    codeValidDays: z
      .int('Must be a whole number of days.')
      .min(1, 'At least 1 day.')
      .max(3650, 'At most 3650 days.')
      .nullable()
      .optional()
      .meta({
        description:
          'Discount codes: valid this many days once given (a pool line’s own expiry wins). None: no expiry.',
      }),
  })
  .superRefine((policy, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    if (policy.rewardType === 'commission_share' && !policy.commissionRateBps) {
      issue(['commissionRateBps'], 'Required for commission_share (basis points, 1000 = 10%).');
    }
    if (policy.rewardType !== 'commission_share' && policy.commissionRateBps != null) {
      issue(['commissionRateBps'], 'Only used by commission_share rewards.');
    }
    if (policy.discountPercent != null && policy.rewardType !== 'discount_code') {
      issue(['discountPercent'], 'Only used by discount_code rewards.');
    }
    if ((policy.rewardType === 'gift_card' || policy.rewardType === 'account_credit') && policy.amount < 1) {
      issue(['amount'], `A ${policy.rewardType} needs an amount above 0 (minor units).`);
    }
    if (policy.rewardType === 'discount_code' && policy.amount < 1 && !policy.discountPercent) {
      issue(['amount'], 'A discount code needs an amount off (minor units) or a discountPercent.');
    }
    if (policy.autoFulfil && policy.rewardType !== 'gift_card') {
      issue(['autoFulfil'], 'Only gift cards are ordered from a provider.');
    }
    if (policy.rewardType === 'custom' && !policy.description) {
      issue(['description'], 'Describe the custom reward (e.g. "Dinner for two").');
    }
    policy.milestones.forEach((milestone, index) => {
      const previous = policy.milestones[index - 1];
      if (previous && milestone.atReferral <= previous.atReferral) {
        issue(['milestones', index, 'atReferral'], 'Milestones must be in increasing order of atReferral.');
      }
      const type = milestone.rewardType ?? policy.rewardType;
      if (type === 'commission_share' || type === 'none') {
        issue(
          ['milestones', index, 'rewardType'],
          'Name the bonus’s type (gift_card, account_credit, discount_code, custom).',
        );
      } else if (type === 'custom' && !milestone.description && (milestone.rewardType || !policy.description)) {
        issue(['milestones', index, 'description'], 'Describe the custom bonus.');
      } else if (type !== 'custom' && milestone.amount < 1) {
        issue(['milestones', index, 'amount'], 'A bonus needs an amount above 0 (minor units).');
      } else if (type === 'discount_code' && policy.rewardType !== 'discount_code') {
        // A code is made with the policy's code settings (source, prefix, validity): only a
        // discount-code policy has them.
        issue(['milestones', index, 'rewardType'], 'A discount-code bonus needs a discount-code policy.');
      }
    });
    if (policy.referredReward?.rewardType === 'discount_code' && policy.rewardType !== 'discount_code') {
      issue(['referredReward', 'rewardType'], 'A discount code for the referred person needs a discount-code policy.');
    }
    if (policy.rewardType === 'none' && (policy.referredReward || policy.milestones.length > 0)) {
      issue(['rewardType'], 'A program without rewards has no referred rewards or bonuses either.');
    }
    policy.tiers.forEach((tier, index) => {
      const previous = policy.tiers[index - 1];
      if (previous && tier.fromReferral <= previous.fromReferral) {
        issue(['tiers', index, 'fromReferral'], 'Tiers must be in increasing order of fromReferral.');
      }
      if (policy.rewardType === 'commission_share') {
        if (tier.commissionRateBps === undefined)
          issue(['tiers', index, 'commissionRateBps'], 'Commission tiers need a commissionRateBps.');
      } else if (tier.amount === undefined) {
        issue(['tiers', index, 'amount'], 'Tiers need an amount (minor units).');
      }
    });
  });

export const RewardPolicySchema = z
  .object({
    programId: z.string(),
    version: z.number(),
    rewardType: z.enum(REWARD_TYPES),
    amount: z.number(),
    currency: z.string(),
    commissionRateBps: z.number().nullable(),
    discountPercent: z.number().nullable(),
    description: z.string().nullable(),
    provider: z.string().nullable(),
    autoThank: z.boolean(),
    thankChannel: z.enum(THANK_CHANNELS),
    tiers: z.array(
      z.object({ fromReferral: z.number(), amount: z.number().optional(), commissionRateBps: z.number().optional() }),
    ),
    autoFulfil: z.boolean(),
    codeSource: z.enum(DISCOUNT_CODE_SOURCES),
    codePrefix: z.string().nullable(),
    codeValidDays: z.number().nullable(),
    referredReward: z
      .object({
        rewardType: z.enum(REWARD_TYPES),
        amount: z.number(),
        when: z.enum(REFERRED_REWARD_WHEN),
        description: z.string().nullable().optional(),
      })
      .nullable(),
    milestones: z.array(
      z.object({
        atReferral: z.number(),
        amount: z.number(),
        rewardType: z.enum(REWARD_TYPES).optional(),
        description: z.string().nullable().optional(),
      }),
    ),
    summary: z.string(),
    createdBy: z.string(),
    createdAt: TimestampSchema,
  })
  .meta({ id: 'RewardPolicy' });

export const ProgramRulesInputSchema = z
  .strictObject({
    qualifyingTypes: z
      .array(z.enum(QUALIFYING_CANDIDATES))
      .min(1, 'At least one conversion type must qualify.')
      .max(3)
      .refine((types) => new Set(types).size === types.length, 'List each type once.'),
    currency: CurrencySchema.default('USD'),
    minAmount: AmountSchema.default(0),
    holdDays: z.int().min(0).max(365, 'At most 365 days.').default(0),
    allowedReferrerKinds: z
      .array(z.enum(PARTICIPANT_KINDS))
      .min(1, 'At least one kind of participant must be allowed to refer.')
      .refine((kinds) => new Set(kinds).size === kinds.length, 'List each kind once.'),
    capPerMonth: z.int().min(1).max(100_000).nullable().default(null),
    capLifetime: z.int().min(1).max(1_000_000).nullable().default(null),
    startsAt: DateTimeSchema.nullable().default(null),
    endsAt: DateTimeSchema.nullable().default(null),
    termsText: text(20_000, 1),
    termsVersion: text(100, 1),
    autoApproval: z
      .strictObject({ enabled: z.boolean(), maxAmount: AmountSchema.nullable().default(null) })
      .default({ enabled: false, maxAmount: null }),
    twoApproversAbove: AmountSchema.nullable().default(null),
    velocity: z
      .strictObject({
        windowHours: z
          .int()
          .min(1)
          .max(24 * 30)
          .default(24),
        maxReferrals: z.int().min(1).max(100_000).default(10),
        maxConversions: z.int().min(1).max(100_000).default(5),
      })
      .default({ windowHours: 24, maxReferrals: 10, maxConversions: 5 }),
    inviteMinScore: z
      .int('Must be a whole number from 1 to 5.')
      .min(1, 'Must be from 1 to 5.')
      .max(5, 'Must be from 1 to 5.')
      .default(4)
      .meta({ description: 'A completed job scored at or above this invites the customer to refer.' }),
    inviteChannel: z.enum(THANK_CHANNELS).default('sms'),
    inviteCooldownDays: z
      .int()
      .min(0)
      .max(3650)
      .default(90)
      .meta({ description: 'At most one invitation per customer in this many days.' }),
    inviteDelayHours: z
      .int()
      .min(0)
      .max(720)
      .default(0)
      .meta({ description: 'Invitations wait this long after the job (then for the send window).' }),
    payoutDayOfMonth: z
      .int('Must be a whole day of the month.')
      .min(1, 'Must be from 1 to 31.')
      .max(31, 'Must be from 1 to 31 (31 means the last day of shorter months).')
      .nullable()
      .default(null)
      .meta({
        description: 'The day of the month the payout batch is drafted and finance told; null: no monthly run.',
      }),
    taxThreshold: z
      .strictObject({ amount: AmountSchema, currency: CurrencySchema })
      .default({ ...DEFAULT_TAX_THRESHOLD })
      .meta({ description: 'Paid-out rewards a payee may get in a calendar year without a tax form (minor units).' }),
    taxableRewardTypes: z
      .array(z.enum(REWARD_TYPES))
      .max(REWARD_TYPES.length)
      .refine((types) => new Set(types).size === types.length, 'List each type once.')
      .default([...DEFAULT_TAXABLE_REWARD_TYPES]),
  })
  .superRefine((rules, ctx) => {
    if (rules.startsAt && rules.endsAt && new Date(rules.endsAt) <= new Date(rules.startsAt)) {
      ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'Must be after startsAt.' });
    }
    if (rules.autoApproval.enabled && rules.autoApproval.maxAmount === null) {
      ctx.addIssue({
        code: 'custom',
        path: ['autoApproval', 'maxAmount'],
        message: 'Auto-approval needs a maximum amount.',
      });
    }
  });

export const ProgramRulesSchema = z
  .object({
    programId: z.string(),
    version: z.number(),
    qualifyingTypes: z.array(z.string()),
    currency: z.string(),
    minAmount: z.number(),
    holdDays: z.number(),
    allowedReferrerKinds: z.array(z.string()),
    capPerMonth: z.number().nullable(),
    capLifetime: z.number().nullable(),
    startsAt: TimestampSchema.nullable(),
    endsAt: TimestampSchema.nullable(),
    termsText: z.string(),
    termsVersion: z.string(),
    autoApproval: z.object({
      enabled: z.boolean(),
      maxAmount: z.number().nullable(),
      enabledBy: z.string().nullable(),
    }),
    twoApproversAbove: z.number().nullable(),
    velocity: z.object({ windowHours: z.number(), maxReferrals: z.number(), maxConversions: z.number() }),
    inviteMinScore: z.number(),
    inviteChannel: z.enum(THANK_CHANNELS),
    inviteCooldownDays: z.number(),
    inviteDelayHours: z.number(),
    payoutDayOfMonth: z.number().nullable(),
    taxThreshold: z.object({ amount: z.number(), currency: z.string() }),
    taxableRewardTypes: z.array(z.enum(REWARD_TYPES)),
    createdBy: z.string(),
    createdAt: TimestampSchema,
  })
  .meta({ id: 'ProgramRules' });

export type RewardPolicyInput = z.infer<typeof RewardPolicyInputSchema>;
export type RewardPolicy = z.infer<typeof RewardPolicySchema>;
export type ProgramRulesInput = z.infer<typeof ProgramRulesInputSchema>;
export type ProgramRules = z.infer<typeof ProgramRulesSchema>;
