import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allowedTransitions,
  nextStatus,
  REWARD_ACTIONS,
  REWARD_STATUSES,
  type RewardStatus,
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

  it('reaches only known states, and every random walk stays on allowed transitions', () => {
    const allowed = new Set(allowedTransitions().map(([from, to]) => `${from}>${to}`));
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...REWARD_ACTIONS), { maxLength: 30 }), (actions) => {
        let status: RewardStatus = 'in_review';
        for (const action of actions) {
          const next = nextStatus(status, action);
          if (next === null) continue;
          expect(REWARD_STATUSES).toContain(next);
          expect(allowed.has(`${status}>${next}`)).toBe(true);
          status = next;
        }
      }),
    );
  });
});
