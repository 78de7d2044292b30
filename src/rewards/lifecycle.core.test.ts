import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  inSet,
  nextStatus,
  REWARD_ACTIONS,
  REWARD_STATUSES,
  type RewardStatus,
  STATUS_SETS,
} from './lifecycle.core.js';

describe('the claim lifecycle', () => {
  it('follows the seeds: pending → sent → thanked, with declined and failed as side exits', () => {
    expect(nextStatus('in_review', 'approve')).toBe('pending');
    expect(nextStatus('pending', 'mark_sent')).toBe('sent');
    expect(nextStatus('sent', 'thank')).toBe('thanked');
    expect(nextStatus('pending', 'decline')).toBe('declined');
    expect(nextStatus('pending', 'mark_failed')).toBe('failed');
    expect(nextStatus('failed', 'mark_sent')).toBe('sent');
  });

  it('never marks sent before approval, never approves twice, never reopens a paid reward', () => {
    expect(nextStatus('in_review', 'mark_sent')).toBeNull();
    expect(nextStatus('pending', 'approve')).toBeNull();
    expect(nextStatus('sent', 'reopen')).toBeNull();
    expect(nextStatus('thanked', 'mark_sent')).toBeNull();
  });

  it('has terminal states that no action leaves', () => {
    for (const terminal of ['declined', 'rejected', 'reversed'] as RewardStatus[]) {
      for (const action of REWARD_ACTIONS) expect(nextStatus(terminal, action)).toBeNull();
    }
  });

  it('never pays a claim whose latest approval came before its latest change, whatever the walk', () => {
    // The invariant behind maker-checker: between the last revise/reopen and mark_sent there is
    // always an approve. A table that let pending → pending on revise, or in_review → sent,
    // would break it.
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...REWARD_ACTIONS), { maxLength: 40 }), (actions) => {
        let status: RewardStatus = 'in_review';
        let approvedSinceChange = false;
        for (const action of actions) {
          const next = nextStatus(status, action);
          if (next === null) continue;
          if (action === 'approve') approvedSinceChange = true;
          if (next === 'in_review') approvedSinceChange = false;
          if (next === 'sent') expect(approvedSinceChange, `${status} -${action}-> sent`).toBe(true);
          status = next;
        }
      }),
    );
  });

  it('lets a paid reward only be thanked or reversed, and closes nothing twice', () => {
    for (const action of REWARD_ACTIONS) {
      expect([null, 'thanked', 'reversed']).toContain(nextStatus('sent', action));
      expect([null, 'reversed']).toContain(nextStatus('thanked', action));
    }
    for (const status of STATUS_SETS.closedUnpaid) {
      for (const action of REWARD_ACTIONS) expect(nextStatus(status, action)).toBeNull();
    }
  });

  it('names each status set once, consistently', () => {
    expect(STATUS_SETS.live).not.toContain('reversed');
    expect(STATUS_SETS.countsTowardTier.every((status) => inSet('live', status))).toBe(true);
    for (const status of REWARD_STATUSES) {
      // Every status is exactly one of open, paid or closed without payment.
      const homes = (['open', 'paid', 'closedUnpaid'] as const).filter((set) => inSet(set, status));
      expect(homes, status).toHaveLength(1);
    }
  });
});
