import { describe, expect, it } from 'vitest';
import { decideInvitation } from './invitation.core.js';

const rules = { inviteMinScore: 4, inviteCooldownDays: 90, inviteDelayHours: 0 };
const now = new Date('2026-03-02T15:00:00Z');
const base = { completedAt: now, rules, lastInvitedAt: null, window: null, now };

describe('deciding an invitation after a job', () => {
  it.each([
    [5, true],
    [4, true],
    [3, false],
    [1, false],
  ])('a job scored %i invites: %s', (score, invites) => {
    expect(decideInvitation({ ...base, score }).invite).toBe(invites);
  });

  it('never asks a customer whose job has no score', () => {
    expect(decideInvitation({ ...base, score: null })).toMatchObject({ invite: false, decision: 'no_score' });
  });

  it('invites at most once per cooldown, and again after it', () => {
    const day = 86_400_000;
    const recent = new Date(now.getTime() - 89 * day);
    expect(decideInvitation({ ...base, score: 5, lastInvitedAt: recent })).toMatchObject({ decision: 'cooldown' });
    const old = new Date(now.getTime() - 91 * day);
    expect(decideInvitation({ ...base, score: 5, lastInvitedAt: old }).invite).toBe(true);
  });

  it('waits for the delay after the job, then for the send window', () => {
    const outcome = decideInvitation({
      ...base,
      score: 5,
      rules: { ...rules, inviteDelayHours: 6 },
      // 15:00Z + 6 h = 21:00Z = 15:00 in Chicago (CST), inside 09:00-20:00.
      window: { timeZone: 'America/Chicago', startMinute: 540, endMinute: 1200 },
    });
    expect(outcome).toEqual({ invite: true, sendAfter: new Date('2026-03-02T21:00:00Z') });
    const late = decideInvitation({
      ...base,
      score: 5,
      rules: { ...rules, inviteDelayHours: 12 },
      window: { timeZone: 'America/Chicago', startMinute: 540, endMinute: 1200 },
    });
    // 03:00Z = 21:00 CST, after the window: 09:00 CST next morning = 15:00Z.
    expect(late).toEqual({ invite: true, sendAfter: new Date('2026-03-03T15:00:00Z') });
  });
});
