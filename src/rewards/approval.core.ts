/**
 * The approval decision, made once: what stops a person approving a claim now, how many
 * approvers it needs, and whether the owner's auto-approval opt-in may approve it. Pure: the
 * service loads the facts, the approvals list and the scheduler ask the same questions here.
 *
 * A maker is anyone who made the claim what it is — created it, changed its amount or payee,
 * wrote a partner exception that shapes it. No maker approves that claim, in any round, and the
 * owner whose opt-in is the auto-approval record is no exception (that claim goes to a person).
 */
import { amountAbove, type ProgramRulesTerms } from '../policy/rules.core.js';
import type { RewardStatus } from './lifecycle.core.js';

export const MAKER_REASONS = ['created', 'attributed', 'amount_changed', 'payee_changed', 'partner_exception'] as const;
export type MakerReason = (typeof MAKER_REASONS)[number];

/** What each maker did, in words (the API's messages and the web app's reward page). */
export const MAKER_WORDS: Record<MakerReason, string> = {
  created: 'created this claim',
  attributed: 'recorded the referral that chose its payee',
  amount_changed: 'changed its amount',
  payee_changed: 'changed its payee',
  partner_exception: 'wrote the partner exception that shapes it',
};

export interface MakerFact {
  makerId: string;
  makerName: string;
  reason: MakerReason;
  round: number;
}

/** A partner exception in force for the claim's referrer: its author shapes the claim. */
export interface ExceptionAuthorFact {
  exceptionId: string;
  authorId: string | null;
  authorName: string;
  expiresAt: Date;
  revokedAt: Date | null;
}

export interface ApprovalFacts {
  reward: {
    status: RewardStatus;
    amount: number;
    currency: string;
    holdUntil: Date;
    recommendation: 'eligible' | 'needs_review' | 'ineligible';
    reviewRound: number;
    /** None for a referred person's reward given at the lead, before any sale. */
    conversionId: string | null;
  };
  rules: Pick<ProgramRulesTerms, 'twoApproversAbove' | 'currency'>;
  makers: MakerFact[];
  /** Exceptions of the claim's referrer, whatever their state; those in force make makers. */
  exceptions: ExceptionAuthorFact[];
  openFlags: { id: string; type: string }[];
  /** Approvals given in any round; only the current round's count. */
  approvals: { approverId: string; round: number }[];
  /**
   * A milestone bonus: the number of converted referrals it rewards, and how many of the
   * referrer's claims a person has settled (approved, paid, or declined by the referrer). A bonus
   * waits for its count: claims still in review may yet be rejected or refunded.
   */
  milestone?: { atReferral: number; settled: number } | undefined;
}

export type ApprovalBlockerCode =
  | 'invalid_transition'
  | 'flags_unresolved'
  | 'hold_period_active'
  | 'maker_checker'
  | 'already_approved'
  | 'milestone_unsettled';

export interface ApprovalBlocker {
  code: ApprovalBlockerCode;
  message: string;
  details?: Record<string, unknown>;
}

/** How many distinct approvers a claim needs under its rules version. */
export function approvalsRequired(
  reward: { amount: number; currency: string },
  rules: Pick<ProgramRulesTerms, 'twoApproversAbove' | 'currency'>,
): number {
  return amountAbove(reward.amount, reward.currency, rules.twoApproversAbove, rules.currency) ? 2 : 1;
}

/** Every maker of the claim: the recorded ones and the authors of exceptions in force now. */
export function makersOf(facts: Pick<ApprovalFacts, 'makers' | 'exceptions' | 'reward'>, now: Date): MakerFact[] {
  const fromExceptions = facts.exceptions
    .filter((exception) => exception.authorId && !exception.revokedAt && exception.expiresAt > now)
    .map((exception) => ({
      makerId: exception.authorId as string,
      makerName: exception.authorName,
      reason: 'partner_exception' as const,
      round: facts.reward.reviewRound,
    }));
  return [...facts.makers, ...fromExceptions];
}

/** Why `approverId` is a maker of the claim, or null when they are not. */
export function makerConflict(
  facts: Pick<ApprovalFacts, 'makers' | 'exceptions' | 'reward'>,
  approverId: string,
  now: Date,
): MakerFact | null {
  return makersOf(facts, now).find((maker) => maker.makerId === approverId) ?? null;
}

export function approvalsThisRound(facts: Pick<ApprovalFacts, 'approvals' | 'reward'>) {
  return facts.approvals.filter((approval) => approval.round === facts.reward.reviewRound);
}

/** What stops `approverId` approving the claim now; empty when they may. */
export function approvalBlockers(facts: ApprovalFacts, approverId: string, now: Date): ApprovalBlocker[] {
  const blockers: ApprovalBlocker[] = [];
  if (facts.reward.status !== 'in_review') {
    blockers.push({
      code: 'invalid_transition',
      message: `This reward is ${facts.reward.status.replace('_', ' ')}; only a reward in review can be approved.`,
      details: { currentStatus: facts.reward.status, action: 'approve' },
    });
  }
  if (facts.openFlags.length > 0) {
    blockers.push({
      code: 'flags_unresolved',
      message: `Resolve the open flag(s) first: ${facts.openFlags.map((flag) => flag.type).join(', ')}.`,
      details: { openFlags: facts.openFlags },
    });
  }
  if (facts.reward.holdUntil > now) {
    blockers.push({
      code: 'hold_period_active',
      message: `The hold period runs until ${facts.reward.holdUntil.toISOString()} (sized to the refund window); approve after that.`,
      details: { holdUntil: facts.reward.holdUntil.toISOString() },
    });
  }
  const maker = makerConflict(facts, approverId, now);
  if (maker) {
    blockers.push({
      code: 'maker_checker',
      message: `You ${MAKER_WORDS[maker.reason]}, so someone else must approve it (maker-checker).`,
      details: { reason: maker.reason },
    });
  }
  if (approvalsThisRound(facts).some((approval) => approval.approverId === approverId)) {
    blockers.push({
      code: 'already_approved',
      message: 'You already approved this claim; a second approver must be someone else.',
    });
  }
  const unsettled = milestoneUnsettled(facts);
  if (unsettled) blockers.push({ code: 'milestone_unsettled', message: unsettled, details: { ...facts.milestone } });
  return blockers;
}

/** Why a milestone bonus cannot be approved yet, or null. */
export function milestoneUnsettled(facts: Pick<ApprovalFacts, 'milestone'>): string | null {
  const m = facts.milestone;
  if (!m || m.settled >= m.atReferral) return null;
  return `This bonus is for ${m.atReferral} converted referrals and ${m.settled} of the referrer's claims are approved so far: decide the others first (a claim still in review may be rejected or refunded).`;
}

/** An ineligible recommendation can be overridden, but only with a written reason. */
export function approvalNeedsNote(facts: Pick<ApprovalFacts, 'reward'>): boolean {
  return facts.reward.recommendation === 'ineligible';
}

/** After one more approval: whether the claim is now approved, or waits for another person. */
export function approvalComplete(facts: ApprovalFacts, approverId: string): { count: number; required: number } {
  const approvers = new Set(approvalsThisRound(facts).map((approval) => approval.approverId));
  approvers.add(approverId);
  return { count: approvers.size, required: approvalsRequired(facts.reward, facts.rules) };
}

export type AutoApprovalRules = Pick<
  ProgramRulesTerms,
  'autoApproveEnabled' | 'autoApproveMaxAmount' | 'autoApproveEnabledBy' | 'currency' | 'twoApproversAbove'
>;

/**
 * The part of the auto-approval decision that needs only the claim and its rules version:
 * cheap, so the service asks it before loading makers, flags, current rules and the signer.
 * Null when the claim may still be auto-approved.
 */
export function autoApprovalPrecheck(
  reward: ApprovalFacts['reward'],
  rules: AutoApprovalRules,
  now: Date,
): string | null {
  if (!rules.autoApproveEnabled || rules.autoApproveMaxAmount === null || !rules.autoApproveEnabledBy) {
    return 'auto-approval is off';
  }
  if (reward.status !== 'in_review') return `the claim is ${reward.status}`;
  // Anyone can fill in a lead form: a reward with no sale behind it is always a person's decision.
  if (reward.conversionId === null) return 'it was given at the lead, before any sale: a person must approve it';
  if (reward.recommendation !== 'eligible') return 'the checks did not find it eligible';
  if (reward.reviewRound > 1) return 'a person changed this claim: a person must approve it';
  if (reward.currency !== rules.currency || reward.amount > rules.autoApproveMaxAmount) {
    return 'the amount is above the auto-approval limit';
  }
  if (approvalsRequired(reward, rules) > 1) return 'the claim needs two approvers';
  if (reward.holdUntil > now) return 'the hold period is not over';
  return null;
}

/**
 * Whether the owner's opt-in approves this claim: only a clean claim (eligible, no flag ever
 * raised), exactly as the engine made it (no person changed its amount or payee since), not
 * attributed after its sale, at or under the limit, needing one approver, its hold over, and not
 * made by the owner who opted in (the opt-in is that owner's approval: nobody approves their own
 * claim). The opt-in must hold both under the claim's rules version and the rules in force now,
 * signed by the same owner, who is still active: turning it off, or leaving, stops it.
 */
export function autoApprovalDecision(
  facts: Omit<ApprovalFacts, 'openFlags' | 'rules'> & {
    rules: AutoApprovalRules;
    currentRules: AutoApprovalRules;
    signerActive: boolean;
    flagsEver: number;
    /** The referral was recorded after the sale it is paid for (late attribution). */
    attributedAfterSale: boolean;
  },
  now: Date,
): { approve: true; approverId: string } | { approve: false; reason: string } {
  const { rules, reward, currentRules } = facts;
  const refused = autoApprovalPrecheck(reward, rules, now);
  if (refused || rules.autoApproveMaxAmount === null || !rules.autoApproveEnabledBy) {
    return { approve: false, reason: refused ?? 'auto-approval is off' };
  }
  if (
    !currentRules.autoApproveEnabled ||
    currentRules.autoApproveMaxAmount === null ||
    currentRules.autoApproveEnabledBy !== rules.autoApproveEnabledBy
  ) {
    return { approve: false, reason: 'auto-approval was turned off or signed again since this claim was judged' };
  }
  if (!facts.signerActive)
    return { approve: false, reason: 'the owner who turned auto-approval on is no longer active' };
  if (facts.makers.some((maker) => maker.reason !== 'created' && maker.reason !== 'attributed')) {
    return { approve: false, reason: 'a person changed this claim: a person must approve it' };
  }
  if (facts.attributedAfterSale) return { approve: false, reason: 'the referral was recorded after the sale' };
  const unsettled = milestoneUnsettled(facts);
  if (unsettled) return { approve: false, reason: unsettled };
  if (facts.flagsEver > 0) return { approve: false, reason: 'the claim was flagged' };
  // The rules in force now must allow it too.
  if (currentRules.currency !== rules.currency || reward.amount > currentRules.autoApproveMaxAmount) {
    return { approve: false, reason: 'the amount is above the auto-approval limit' };
  }
  if (approvalsRequired(reward, currentRules) > 1) return { approve: false, reason: 'the claim needs two approvers' };
  const maker = makerConflict(facts, rules.autoApproveEnabledBy, now);
  if (maker) {
    return {
      approve: false,
      reason: `the owner who turned auto-approval on ${MAKER_WORDS[maker.reason]}: a person must approve it`,
    };
  }
  return { approve: true, approverId: rules.autoApproveEnabledBy };
}
