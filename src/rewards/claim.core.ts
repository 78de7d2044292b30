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
