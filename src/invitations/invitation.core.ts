/**
 * Whether a completed job invites its customer to refer, and when the invitation may go out.
 * Unhappy customers are never asked: no score, or a score under the threshold, invites nobody.
 * At most one invitation per customer per cooldown. Consent is not decided here: the outbox
 * records a channel without consent as skipped, and checks again when it sends.
 */
import { nextSendTime, type SendWindow } from '../messaging/send-window.core.js';

export const INVITE_DECISIONS = ['invited', 'no_score', 'below_threshold', 'cooldown'] as const;
export type InviteDecision = (typeof INVITE_DECISIONS)[number];

export interface InviteRules {
  inviteMinScore: number;
  inviteCooldownDays: number;
  inviteDelayHours: number;
}

export type InvitationOutcome =
  | { invite: true; sendAfter: Date }
  | { invite: false; decision: Exclude<InviteDecision, 'invited'>; detail: string };

export function decideInvitation(input: {
  score: number | null;
  completedAt: Date;
  rules: InviteRules;
  /** The customer's latest invitation, if any. */
  lastInvitedAt: Date | null;
  window: SendWindow | null;
  now: Date;
}): InvitationOutcome {
  const { score, rules } = input;
  if (score === null) return { invite: false, decision: 'no_score', detail: 'the job has no satisfaction score yet' };
  if (score < rules.inviteMinScore) {
    return {
      invite: false,
      decision: 'below_threshold',
      detail: `scored ${score}, the threshold is ${rules.inviteMinScore}`,
    };
  }
  if (input.lastInvitedAt) {
    const until = new Date(input.lastInvitedAt.getTime() + rules.inviteCooldownDays * 86_400_000);
    if (until > input.now) {
      return {
        invite: false,
        decision: 'cooldown',
        detail: `invited ${input.lastInvitedAt.toISOString()}; the next invitation may go after ${until.toISOString()}`,
      };
    }
  }
  const delayed = new Date(input.completedAt.getTime() + rules.inviteDelayHours * 3_600_000);
  const earliest = delayed > input.now ? delayed : input.now;
  return { invite: true, sendAfter: nextSendTime(earliest, input.window) };
}
