/**
 * The claim decisions, pure: whether a conversion can make a claim at all, which referral it
 * pays, whether the credit is contested, and — from the loaded facts — the claim itself (tier
 * ordinal, amount with its calculation, checks and flags). The service loads the facts, asks
 * here, and writes what comes back. `now` is an argument; nothing here reads a clock or a table.
 */
import { evaluateEligibility } from '../eligibility/eligibility.core.js';
import { activeExceptions, type EligibilityResult } from '../eligibility/eligibility.types.js';
import type { PolicyTerms } from '../policy/policy.core.js';
import { holdUntil, type ProgramRulesTerms } from '../policy/rules.core.js';
import { formatMoney } from '../shared/currency.js';
import type { MakerReason } from './approval.core.js';
import type { ClaimOutcome } from './claim.types.js';
import {
  buildEligibilityContext,
  type ConversionRow,
  type CustomerFacts,
  exceptionFacts,
  type ParticipantRow,
  type ReferralWithReferrer,
  type ReferrerFacts,
} from './claim-context.core.js';
import { computeRewardAmount, type RewardAmount } from './reward-amount.core.js';

/** Why a conversion makes no claim under the terms in force, or null when it may. */
export function whyNoClaim(input: {
  policy: Pick<PolicyTerms, 'rewardType'>;
  rules: Pick<ProgramRulesTerms, 'qualifyingTypes' | 'minAmount' | 'currency'>;
  conversion: Pick<ConversionRow, 'type' | 'amount' | 'currency'>;
}): ClaimOutcome | null {
  const { policy, rules, conversion } = input;
  if (policy.rewardType === 'none') return 'no_reward_policy';
  if (!rules.qualifyingTypes.includes(conversion.type)) return 'not_qualifying';
  if (rules.minAmount > 0 && conversion.currency === rules.currency && conversion.amount < rules.minAmount) {
    return 'below_minimum';
  }
  return null;
}

/** First touch wins, unless a resolved dispute named another winner. */
export function chooseReferral(
  referrals: ReferralWithReferrer[],
  dispute: CustomerFacts['dispute'],
): ReferralWithReferrer | undefined {
  const winner = dispute?.status === 'resolved' ? dispute.winningReferralId : null;
  return referrals.find((row) => row.referral.id === winner) ?? referrals[0];
}

/**
 * Two or more referrers for one customer need a person to decide, unless a resolution already
 * covers every competing referral (one recorded after it reopens the question).
 */
export function needsDispute(customer: Pick<CustomerFacts, 'referrals' | 'dispute'>): boolean {
  const { referrals, dispute } = customer;
  if (referrals.length < 2 || dispute?.status === 'open') return false;
  const resolvedAt = dispute?.status === 'resolved' ? dispute.resolvedAt : null;
  return !(resolvedAt && referrals.every((row) => row.referral.createdAt <= resolvedAt));
}

export interface ClaimDecision {
  ordinal: number;
  reward: RewardAmount;
  result: EligibilityResult;
  clicks: number;
  holdUntil: Date;
}

/** The claim the facts make: the referrer's next tier ordinal, the amount, the checks. */
export function decideClaim(input: {
  now: Date;
  policy: PolicyTerms;
  rules: ProgramRulesTerms;
  chosen: ReferralWithReferrer;
  referrer: ParticipantRow;
  referred: ParticipantRow;
  conversion: ConversionRow;
  customer: CustomerFacts;
  referrerFacts: ReferrerFacts;
  disposableDomains: ReadonlySet<string>;
}): ClaimDecision {
  const { now, policy, rules, conversion, referrerFacts } = input;
  const ordinal = referrerFacts.lifetime + 1;
  const exception = activeExceptions({ now, exceptions: referrerFacts.exceptions.map(exceptionFacts) })[0];
  const reward = computeRewardAmount({ policy, ordinal, conversion, override: exception });
  const context = buildEligibilityContext(input);
  return {
    ordinal,
    reward,
    result: evaluateEligibility(context),
    clicks: context.referral.clicks.length,
    holdUntil: holdUntil(conversion.occurredAt, rules.holdDays),
  };
}

/**
 * The claim row a decision makes. Both the one-event path and the batch engine build it here, so
 * a claim is the same whichever path made it.
 */
export function claimRow(input: {
  id: string;
  workspaceId: string;
  programId: string;
  policy: PolicyTerms;
  rules: ProgramRulesTerms;
  chosen: ReferralWithReferrer;
  referrerId: string;
  referredId: string;
  conversionId: string;
  decision: ClaimDecision;
  actor: { id: string; name: string };
  at: Date;
}) {
  const { decision, chosen, policy, rules, at } = input;
  return {
    workspaceId: input.workspaceId,
    id: input.id,
    programId: input.programId,
    policyVersion: policy.version,
    rulesVersion: rules.version,
    termsVersion: rules.termsVersion,
    referralId: chosen.referral.id,
    referrerId: input.referrerId,
    referredId: input.referredId,
    conversionId: input.conversionId,
    kind: 'referral' as const,
    payeeId: input.referrerId,
    milestone: null,
    sourceRewardId: null,
    ordinal: decision.ordinal,
    rewardType: policy.rewardType,
    amount: decision.reward.amount,
    currency: decision.reward.currency,
    summary: decision.reward.summary,
    calculation: decision.reward.calculation,
    status: 'in_review' as const,
    recommendation: decision.result.recommendation,
    fraudScore: decision.result.fraudScore,
    checks: decision.result.checks,
    attribution: attributionOf(chosen, decision.clicks),
    createdBy: input.actor.id,
    createdByName: input.actor.name,
    holdUntil: decision.holdUntil,
    createdAt: at,
    updatedAt: at,
  };
}

/** What a claim records of the referral that credits it: every claim, whichever path made it. */
export function attributionOf(chosen: Pick<ReferralWithReferrer, 'referral'>, clicks: number) {
  return {
    referralId: chosen.referral.id,
    source: chosen.referral.source,
    referredAt: chosen.referral.referredAt.toISOString(),
    evidence: chosen.referral.evidence,
    clicks,
  };
}

/**
 * A new claim's makers: its creator, whoever recorded the referral (who chose the payee), and
 * the authors of the partner exceptions in force (who shaped its amount or its checks).
 */
export function newClaimMakers(input: {
  creator: { id: string; name: string };
  chosen: ReferralWithReferrer;
  exceptions: { id: string; createdById: string | null; createdBy: string; expiresAt: Date; revokedAt: Date | null }[];
  round: number;
  at: Date;
}): { makerId: string; makerName: string; reason: MakerReason; round: number; detail?: string }[] {
  const { chosen, round } = input;
  return [
    { makerId: input.creator.id, makerName: input.creator.name, reason: 'created', round },
    { makerId: chosen.referral.createdBy, makerName: chosen.referral.createdByName, reason: 'attributed', round },
    ...exceptionMakersInForce(input.exceptions, round, input.at),
  ];
}

export function exceptionMakersInForce(
  exceptions: { id: string; createdById: string | null; createdBy: string; expiresAt: Date; revokedAt: Date | null }[],
  round: number,
  at: Date,
) {
  return exceptions
    .filter((row) => row.createdById && !row.revokedAt && row.expiresAt > at)
    .map((row) => ({
      makerId: row.createdById as string,
      makerName: row.createdBy,
      reason: 'partner_exception' as const,
      round,
      detail: row.id,
    }));
}

/** The audit record of a new claim: what it was judged on and what came out. */
export function claimCreatedAudit(input: {
  row: {
    id: string;
    amount: number;
    currency: string;
    calculation: unknown;
    policyVersion: number;
    rulesVersion: number;
  };
  decision: ClaimDecision;
  /** None for a reward given at the lead. */
  conversionId: string | null;
  referralId: string;
}) {
  const { row, decision } = input;
  return {
    action: 'reward.created',
    objectType: 'reward',
    objectId: row.id,
    after: {
      status: 'in_review',
      amount: row.amount,
      currency: row.currency,
      calculation: row.calculation,
      conversionId: input.conversionId,
      referralId: input.referralId,
      policyVersion: row.policyVersion,
      rulesVersion: row.rulesVersion,
      recommendation: decision.result.recommendation,
      fraudScore: decision.result.fraudScore,
      flags: decision.result.flags.map((flag) => flag.type),
    },
  };
}

/**
 * How far a sale's refunds and chargebacks (`refunded`, all of them so far) take it back: in full
 * (its claims are voided, or reversed once paid) or in part (an unpaid claim is judged again), and
 * the reason its claims record, naming the refund that did it.
 */
export function saleReversal(
  sale: { amount: number; currency: string },
  refund: { type: string; source: string; externalId: string },
  refunded: number,
): { full: boolean; what: string } {
  return {
    full: refunded >= sale.amount,
    what: `${refund.type} ${refund.source}/${refund.externalId} (${formatMoney(refunded, sale.currency)} of ${formatMoney(sale.amount, sale.currency)} reversed)`,
  };
}
