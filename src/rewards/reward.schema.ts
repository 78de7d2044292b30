import { z } from 'zod';
import { FLAG_TYPES } from '../eligibility/flag.core.js';
import { FULFILMENT_ORDER_STATUSES } from '../fulfilment/fulfilment.core.js';
import { REWARD_TYPES } from '../policy/policy.core.js';
import {
  AmountSchema,
  IdSchema,
  NoteSchema,
  PageQuerySchema,
  ReasonSchema,
  TimestampSchema,
  text,
} from '../shared/schemas.js';
import { PARTICIPANT_KINDS, REWARD_KINDS } from '../shared/vocabulary.js';
import { MAKER_REASONS } from './approval.core.js';
import { REWARD_STATUSES } from './lifecycle.core.js';

const Evidence = z.record(z.string(), z.unknown());

export const PersonRefSchema = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  kind: z.enum(PARTICIPANT_KINDS),
});

export const ConversionRefSchema = z.object({
  id: z.string(),
  externalId: z.string(),
  source: z.string(),
  type: z.string(),
  amount: z.number(),
  currency: z.string(),
  occurredAt: TimestampSchema,
});

export const FlagSchema = z
  .object({
    id: z.string(),
    type: z.enum(FLAG_TYPES),
    reason: z.string(),
    evidence: Evidence,
    resolved: z.boolean(),
    resolvedAt: TimestampSchema.nullable(),
    resolvedBy: z.string().nullable(),
    resolution: z.string().nullable(),
    createdAt: TimestampSchema,
  })
  .meta({ id: 'Flag' });

export const ApprovalSchema = z.object({
  id: z.string(),
  approverId: z.string(),
  approverName: z.string(),
  approverRole: z.string(),
  kind: z.enum(['manual', 'auto']),
  rulesVersion: z.number(),
  round: z.number(),
  note: z.string().nullable(),
  createdAt: TimestampSchema,
});

export const ChannelOutcomeSchema = z.object({
  messageId: z.string(),
  kind: z.string(),
  channel: z.enum(['email', 'sms']),
  status: z.string(),
  skipReason: z.string().nullable(),
  to: z.string().nullable(),
  attempts: z.number(),
  sentAt: TimestampSchema.nullable(),
  deliveredAt: TimestampSchema.nullable(),
  lastError: z.string().nullable(),
  createdAt: TimestampSchema,
});

export const FulfilmentRefSchema = z
  .object({
    provider: z.string(),
    status: z.enum(FULFILMENT_ORDER_STATUSES),
    /** The provider's own word for the order (EXECUTED, PENDING APPROVAL, FAILED). */
    providerStatus: z.string().nullable(),
    orderId: z.string().nullable(),
    /** Why the last attempt did not go through (the provider's reason for a refusal). */
    reason: z.string().nullable(),
    attempts: z.number(),
    nextAttemptAt: TimestampSchema.nullable(),
  })
  .meta({ id: 'FulfilmentRef' });

export const RewardSchema = z
  .object({
    id: z.string(),
    status: z.enum(REWARD_STATUSES),
    kind: z.enum(REWARD_KINDS).meta({
      description:
        '`referral`: the referrer’s reward for this customer; `referred`: the referred person’s own (double-sided programs); `milestone`: the referrer’s bonus at `milestone` converted referrals.',
    }),
    /** Who is paid: the referrer, or the referred person for a `referred` reward. */
    payeeId: z.string(),
    milestone: z.number().nullable(),
    /** A `referred` or `milestone` reward: the referrer’s claim it came with. */
    sourceRewardId: z.string().nullable(),
    referrer: PersonRefSchema,
    referred: PersonRefSchema,
    referralId: z.string(),
    /** The sale the claim is for; null for a referred person's reward given at the lead. */
    conversion: ConversionRefSchema.nullable(),
    rewardType: z.enum(REWARD_TYPES),
    amount: z.number(),
    currency: z.string(),
    summary: z.string(),
    calculation: z.string(),
    ordinal: z.number(),
    recommendation: z.enum(['eligible', 'needs_review', 'ineligible']),
    fraudScore: z.number(),
    flags: z.array(FlagSchema),
    openFlags: z.number(),
    notes: z.string().nullable(),
    policyVersion: z.number(),
    rulesVersion: z.number(),
    termsVersion: z.string(),
    holdUntil: TimestampSchema,
    createdAt: TimestampSchema,
    createdBy: z.object({ id: z.string(), name: z.string() }),
    approvedAt: TimestampSchema.nullable(),
    /** Approvals count only in the current round; a new amount or payee starts a new one. */
    reviewRound: z.number(),
    approvals: z.array(ApprovalSchema),
    approvalsRequired: z.number(),
    sentAt: TimestampSchema.nullable(),
    sentBy: z.object({ id: z.string(), name: z.string() }).nullable(),
    sentReference: z.string().nullable(),
    thankedAt: TimestampSchema.nullable(),
    closedAt: TimestampSchema.nullable(),
    closedReason: z.string().nullable(),
    thankYou: z.array(ChannelOutcomeSchema),
    /** A discount_code reward's code, given when approved; null while it waits for one (an empty pool). */
    code: z.string().nullable(),
    /** A gift card ordered from a provider: where the order stands (waiting at the provider, failed with its reason). */
    fulfilment: FulfilmentRefSchema.nullable(),
    /** The open payout batch (draft or approved) that pays it: it is not marked sent on its own. */
    payoutBatch: z.object({ id: z.string(), status: z.enum(['draft', 'approved']) }).nullable(),
  })
  .meta({ id: 'Reward' });

export const CheckResultSchema = z.object({
  check: z.string(),
  label: z.string().optional(),
  passed: z.boolean(),
  skipped: z.boolean().optional(),
  blocking: z.boolean().optional(),
  reason: z.string(),
  evidence: Evidence,
  score: z.array(z.object({ signal: z.string(), points: z.number(), detail: z.string() })).optional(),
});

export const HistoryEventSchema = z.object({
  id: z.string(),
  action: z.string(),
  actor: z.object({ type: z.string(), id: z.string(), name: z.string(), role: z.string() }),
  before: z.record(z.string(), z.unknown()).nullable(),
  after: z.record(z.string(), z.unknown()).nullable(),
  requestId: z.string().nullable(),
  at: TimestampSchema,
});

export const RecoveryTaskSchema = z.object({
  id: z.string(),
  kind: z.enum(['clawback', 'recovery', 'review']),
  amount: z.number(),
  currency: z.string(),
  reason: z.string(),
  status: z.enum(['open', 'done', 'waived']),
  resolution: z.string().nullable(),
  createdAt: TimestampSchema,
  resolvedAt: TimestampSchema.nullable(),
});

export const RewardDetailSchema = RewardSchema.extend({
  checks: z.array(CheckResultSchema),
  fraudSignals: z.array(z.object({ signal: z.string(), points: z.number(), detail: z.string() })),
  attribution: Evidence,
  messages: z.array(ChannelOutcomeSchema),
  history: z.array(HistoryEventSchema),
  recoveryTasks: z.array(RecoveryTaskSchema),
  disputeId: z.string().nullable(),
  /** Who made the claim what it is: none of them may approve it (maker-checker). */
  makers: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      reason: z.enum(MAKER_REASONS),
      round: z.number(),
    }),
  ),
}).meta({ id: 'RewardDetail' });

const StatusList = z
  .string()
  .max(200)
  .transform((value) =>
    value
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean),
  )
  .pipe(
    z.array(
      z.enum(REWARD_STATUSES, { error: `Must be one or more of ${REWARD_STATUSES.join(', ')}, comma-separated.` }),
    ),
  );

export const RewardListQuerySchema = PageQuerySchema.extend({
  status: StatusList.optional(),
  referrerId: IdSchema.optional(),
  referredId: IdSchema.optional(),
  participantId: IdSchema.optional(),
});

/** How many rewards are in each status: the queue's tab counts. */
export const RewardCountsSchema = z.record(z.string(), z.number());

export const RewardParamsSchema = z.strictObject({ id: IdSchema });
export const FlagParamsSchema = z.strictObject({ id: IdSchema, flagId: IdSchema });

export const MarkSentSchema = z.strictObject({ note: NoteSchema.optional(), reference: text(200).optional() });
export const DeclineSchema = z.strictObject({ reason: ReasonSchema });
export const ApproveSchema = z.strictObject({
  note: NoteSchema.optional(),
  /**
   * The review round the approver looked at (the claim's `reviewRound`). When given, an approval
   * of a claim that changed since — a new amount or payee — is refused with 409 `stale_review`
   * instead of approving what the approver did not see. The web app always sends it.
   */
  reviewRound: z.int().min(1).max(1_000_000).optional(),
});
export const RejectSchema = z.strictObject({ reason: ReasonSchema });
export const ResolveFlagSchema = z.strictObject({ reason: ReasonSchema });
export const MarkFailedSchema = z.strictObject({ reason: ReasonSchema });
export const RetrySchema = z.strictObject({ note: NoteSchema.optional() });
export const NoteBodySchema = z.strictObject({ note: NoteSchema });
export const AdjustSchema = z
  .strictObject({ amount: AmountSchema.optional(), referralId: IdSchema.optional(), reason: ReasonSchema })
  .refine((body) => body.amount !== undefined || body.referralId !== undefined, {
    message: 'Give a new amount or a new referralId (payee).',
    path: ['amount'],
  });

export type FulfilmentRef = z.infer<typeof FulfilmentRefSchema>;
export type Reward = z.infer<typeof RewardSchema>;
export type RewardDetail = z.infer<typeof RewardDetailSchema>;
export type RewardCounts = z.infer<typeof RewardCountsSchema>;
