import { type Check, describeReferral, type EligibilityContext } from '../eligibility.types.js';

/**
 * Competing referrals of the same customer are settled by a resolved dispute, but only if the
 * resolution came after every competing referral was recorded: a new claimant reopens the question.
 */
function settledByDispute(context: EligibilityContext): boolean {
  const { dispute, otherReferrals } = context;
  if (dispute?.status !== 'resolved' || !dispute.resolvedAt) return false;
  const resolvedAt = dispute.resolvedAt;
  return otherReferrals.every((referral) => referral.createdAt <= resolvedAt);
}

/** Two or more referrers for one customer, or a dispute opened by staff. */
export const disputedAttribution: Check = {
  type: 'disputed_attribution',
  label: 'Attribution',
  excludable: false,
  evaluate(context) {
    const { referral, otherReferrals, dispute } = context;
    const competing = [referral, ...otherReferrals].map(describeReferral);
    if (dispute?.status === 'open') {
      return {
        passed: false,
        flag: 'disputed_attribution',
        reason: `Attribution is disputed (${dispute.reason}); ${competing.length} referral(s) compete for the credit.`,
        evidence: { disputeId: dispute.id, openedBy: dispute.openedByName, competing },
      };
    }
    if (otherReferrals.length > 0 && !settledByDispute(context)) {
      return {
        passed: false,
        flag: 'disputed_attribution',
        reason: `${competing.length} people referred this customer: ${competing.map((c) => `${c.referrerName} (${c.source})`).join(', ')}.`,
        evidence: { disputeId: dispute?.id ?? null, competing },
      };
    }
    if (dispute?.status === 'resolved') {
      return {
        passed: true,
        reason: `Dispute resolved by ${dispute.resolvedByName}: ${dispute.resolution}`,
        evidence: { disputeId: dispute.id, winningReferralId: dispute.winningReferralId, competing },
      };
    }
    return {
      passed: true,
      reason: `Referred by ${referral.referrerName} (${referral.source}) on ${referral.referredAt.toISOString().slice(0, 10)}; no competing referral.`,
      evidence: { competing },
    };
  },
};

/** The same customer already claimed (by anyone) or the same sale claimed twice. */
export const duplicateClaim: Check = {
  type: 'duplicate_claim',
  label: 'Duplicate claim',
  excludable: false,
  evaluate(context) {
    const { otherReferrals, duplicateAttempts } = context;
    const claimants =
      otherReferrals.length > 0 && !settledByDispute(context) ? otherReferrals.map(describeReferral) : [];
    if (claimants.length > 0 || duplicateAttempts.length > 0) {
      const parts: string[] = [];
      if (claimants.length > 0) {
        parts.push(
          `${claimants.map((c) => c.referrerName).join(', ')} also claim${claimants.length === 1 ? 's' : ''} this customer`,
        );
      }
      if (duplicateAttempts.length > 0) {
        parts.push(
          `${duplicateAttempts.length} more conversion(s) of this customer tried to claim again (${duplicateAttempts.map((a) => a.externalId).join(', ')})`,
        );
      }
      return {
        passed: false,
        flag: 'duplicate_claim',
        reason: `Duplicate claim: ${parts.join('; ')}. One reward per referred customer.`,
        evidence: { otherClaimants: claimants, duplicateAttempts },
      };
    }
    return { passed: true, reason: 'No other claim for this customer or this conversion.', evidence: {} };
  },
};
