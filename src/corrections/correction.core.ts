/**
 * What voiding a wrongly logged referral does to what hangs on it. Pure: the service loads the
 * referral's rewards and the customer's other live referrals, and writes what this decides.
 *  - Each reward follows the referral: unpaid or paid, it is reversed (the rewards' one reversal
 *    path: voided before payment, a clawback or recovery task after it); a reward already closed
 *    unpaid (rejected, declined, reversed) has nothing left to take back.
 *  - An open attribution dispute about the customer is decided for the one referrer left when
 *    only one remains (the voided referral was the only rival); with several left it stays open
 *    for a person, and its claim is checked again.
 */
export const CLOSED_UNPAID = ['reversed', 'rejected', 'declined'] as const;

export function rewardFollowsVoid(status: string): 'reverse' | 'nothing' {
  return (CLOSED_UNPAID as readonly string[]).includes(status) ? 'nothing' : 'reverse';
}

export type DisputeAfterVoid =
  | { action: 'none' }
  | { action: 'recheck' }
  | { action: 'decide'; winningReferralId: string };

export function disputeAfterVoid(input: { disputeOpen: boolean; remainingReferralIds: string[] }): DisputeAfterVoid {
  if (!input.disputeOpen) return { action: 'none' };
  const [only, ...others] = input.remainingReferralIds;
  if (only && others.length === 0) return { action: 'decide', winningReferralId: only };
  return { action: 'recheck' };
}
