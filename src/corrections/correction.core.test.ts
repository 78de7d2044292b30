import { describe, expect, it } from 'vitest';
import { REWARD_STATUSES } from '../rewards/lifecycle.core.js';
import { disputeAfterVoid, rewardFollowsVoid } from './correction.core.js';

describe('what a voided referral takes with it', () => {
  it.each(REWARD_STATUSES.map((status) => [status]))('a %s reward', (status) => {
    const expected = ['reversed', 'rejected', 'declined'].includes(status) ? 'nothing' : 'reverse';
    expect(rewardFollowsVoid(status)).toBe(expected);
  });

  it('decides an open dispute for the one referrer left, and leaves one with several to a person', () => {
    expect(disputeAfterVoid({ disputeOpen: true, remainingReferralIds: ['ref_b'] })).toEqual({
      action: 'decide',
      winningReferralId: 'ref_b',
    });
    expect(disputeAfterVoid({ disputeOpen: true, remainingReferralIds: ['ref_b', 'ref_c'] })).toEqual({
      action: 'recheck',
    });
    expect(disputeAfterVoid({ disputeOpen: true, remainingReferralIds: [] })).toEqual({ action: 'recheck' });
    expect(disputeAfterVoid({ disputeOpen: false, remainingReferralIds: ['ref_b'] })).toEqual({ action: 'none' });
  });
});
