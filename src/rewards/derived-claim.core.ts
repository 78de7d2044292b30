/**
 * The claims a referrer's new claim brings with it, pure: the referred person's own reward (a
 * double-sided program paying "when they buy") and the milestone bonuses the referrer's count of
 * converted referrals has reached. Each is its own claim — reviewed, approved, paid and reversed
 * like any — and is judged on the same facts as the claim it came with (same referral, same sale,
 * same checks), with its own amount and, for the referred person's reward, their own tax year.
 * The database holds the rest: one reward per referred person and kind, one bonus per milestone
 * per referrer (rewards_one_per_referred_uq, rewards_one_per_milestone_uq).
 */
import { evaluateEligibility } from '../eligibility/eligibility.core.js';
import type { EligibilityResult, TaxFacts } from '../eligibility/eligibility.types.js';
import {
  describeFixed,
  type MilestoneTerms,
  milestoneRewardType,
  ordinal,
  type PolicyTerms,
  type RewardType,
} from '../policy/policy.core.js';
import { holdUntil, type ProgramRulesTerms } from '../policy/rules.core.js';
import { formatMoney } from '../shared/currency.js';
import type { RewardKind } from '../shared/vocabulary.js';
import { attributionOf, type ClaimDecision, type claimRow } from './claim.core.js';
import { buildEligibilityContext, type ReferralWithReferrer, taxFactsWithClaim } from './claim-context.core.js';

type TriggerRow = ReturnType<typeof claimRow>;
type JudgeInput = Omit<Parameters<typeof buildEligibilityContext>[0], 'claim' | 'policy'>;

/** The milestones a referrer's `count`-th converted referral reaches and no live bonus pays yet. */
export function milestonesDue(
  milestones: readonly MilestoneTerms[] | undefined,
  count: number,
  paid: ReadonlySet<number>,
): MilestoneTerms[] {
  return (milestones ?? []).filter((m) => m.atReferral <= count && !paid.has(m.atReferral));
}

/** Whether a policy makes claims beside the referrer's (the batch engine leaves those to the one-event path). */
export function bringsDerivedClaims(policy: Pick<PolicyTerms, 'referredReward' | 'milestones'>): boolean {
  return policy.referredReward?.when === 'conversion' || (policy.milestones?.length ?? 0) > 0;
}

export interface DerivedClaim {
  kind: Exclude<RewardKind, 'referral'>;
  row: Omit<TriggerRow, 'kind' | 'payeeId' | 'milestone' | 'sourceRewardId'> & {
    kind: Exclude<RewardKind, 'referral'>;
    payeeId: string;
    milestone: number | null;
    sourceRewardId: string;
  };
  result: EligibilityResult;
}

/**
 * The referred person's reward and the bonuses due, as rows beside the trigger's. `ids` gives
 * each a new id (the caller's clock); `referredTax` is the referred person's tax year, when the
 * program rewards them.
 */
export function deriveClaims(input: {
  policy: PolicyTerms;
  trigger: TriggerRow;
  decision: ClaimDecision;
  judge: JudgeInput;
  milestonesPaid: ReadonlySet<number>;
  referredTax?: Omit<TaxFacts, 'claim'> | undefined;
  newId: () => string;
}): DerivedClaim[] {
  const { policy, trigger, decision } = input;
  const out: DerivedClaim[] = [];
  const judge = (
    claim: { amount: number; currency: string; rewardType: RewardType },
    tax: Omit<TaxFacts, 'claim'> | undefined,
  ) =>
    evaluateEligibility(
      buildEligibilityContext({ ...input.judge, referrerFacts: { ...input.judge.referrerFacts, tax }, claim }),
    );
  const base = (kind: DerivedClaim['kind'], result: EligibilityResult) => ({
    ...trigger,
    id: input.newId(),
    kind,
    sourceRewardId: trigger.id,
    recommendation: result.recommendation,
    fraudScore: result.fraudScore,
    checks: result.checks,
  });

  const referred = policy.referredReward;
  if (referred?.when === 'conversion') {
    const claim = { amount: referred.amount, currency: policy.currency, rewardType: referred.rewardType };
    const result = judge(claim, input.referredTax);
    const what = describeFixed(referred, policy.currency);
    out.push({
      kind: 'referred',
      result,
      row: {
        ...base('referred', result),
        payeeId: trigger.referredId,
        milestone: null,
        rewardType: referred.rewardType,
        amount: referred.amount,
        currency: policy.currency,
        summary: capitalise(what),
        calculation: `referred person's reward (double-sided, policy v${policy.version}): ${what}, paid when they buy`,
      },
    });
  }

  // The trigger's amount counts toward the referrer's year before a bonus beside it is judged.
  let referrerTax = input.judge.referrerFacts.tax
    ? taxFactsWithClaim(input.judge.referrerFacts.tax, {
        amount: decision.reward.amount,
        currency: decision.reward.currency,
        rewardType: policy.rewardType,
      })
    : undefined;
  for (const milestone of milestonesDue(policy.milestones, decision.ordinal, input.milestonesPaid)) {
    const rewardType = milestoneRewardType(policy, milestone);
    const claim = { amount: milestone.amount, currency: policy.currency, rewardType };
    const result = judge(claim, referrerTax);
    // Two bonuses reached at once: the second is judged with the first in the referrer's year.
    if (referrerTax) referrerTax = taxFactsWithClaim(referrerTax, claim);
    const what = describeFixed(
      { rewardType, amount: milestone.amount, description: milestone.description ?? policy.description },
      policy.currency,
    );
    out.push({
      kind: 'milestone',
      result,
      row: {
        ...base('milestone', result),
        payeeId: trigger.referrerId,
        milestone: milestone.atReferral,
        rewardType,
        amount: milestone.amount,
        currency: policy.currency,
        summary: `Milestone bonus: ${what}${milestone.description ? ` (${milestone.description})` : ''}`,
        calculation: `milestone at the ${ordinal(milestone.atReferral)} converted referral (policy v${policy.version}), reached by this claim, the referrer's ${ordinal(decision.ordinal)}: ${formatMoney(milestone.amount, policy.currency)}`,
      },
    });
  }
  return out;
}

/**
 * The referred person's reward given at the lead (a double-sided program paying "when they sign
 * up"): no sale yet, so it is judged on the lead — who referred them, whether they were already a
 * customer, self-referral, velocity — and held from the lead as a sale's reward is from the sale.
 */
export function leadRewardRow(input: {
  id: string;
  workspaceId: string;
  programId: string;
  policy: PolicyTerms;
  rules: ProgramRulesTerms;
  chosen: ReferralWithReferrer;
  result: EligibilityResult;
  clicks: number;
  actor: { id: string; name: string };
  at: Date;
}) {
  const { policy, rules, chosen, result, at } = input;
  const reward = policy.referredReward;
  if (reward?.when !== 'lead') throw new Error('the policy gives nothing at the lead');
  const what = describeFixed(reward, policy.currency);
  return {
    workspaceId: input.workspaceId,
    id: input.id,
    programId: input.programId,
    policyVersion: policy.version,
    rulesVersion: rules.version,
    termsVersion: rules.termsVersion,
    referralId: chosen.referral.id,
    referrerId: chosen.referral.referrerId,
    referredId: chosen.referral.referredId,
    conversionId: null,
    kind: 'referred' as const,
    payeeId: chosen.referral.referredId,
    milestone: null,
    sourceRewardId: null,
    ordinal: 1,
    rewardType: reward.rewardType,
    amount: reward.amount,
    currency: policy.currency,
    summary: capitalise(what),
    calculation: `referred person's reward at the lead (double-sided, policy v${policy.version}): ${what}, given when referred by ${chosen.referrerName}`,
    status: 'in_review' as const,
    recommendation: result.recommendation,
    fraudScore: result.fraudScore,
    checks: result.checks,
    attribution: attributionOf(chosen, input.clicks),
    createdBy: input.actor.id,
    createdByName: input.actor.name,
    holdUntil: holdUntil(chosen.referral.referredAt, rules.holdDays),
    createdAt: at,
    updatedAt: at,
  };
}

function capitalise(text: string) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
