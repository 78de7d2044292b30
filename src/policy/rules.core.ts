import { DEFAULT_TAX_THRESHOLD, DEFAULT_TAXABLE_REWARD_TYPES } from '../payouts/tax.core.js';
import type { ConversionType, ParticipantKind } from '../shared/vocabulary.js';
import type { RewardType } from './policy.core.js';

/** What the checks and approval need of a program-rules version. */
export interface ProgramRulesTerms {
  version: number;
  qualifyingTypes: ConversionType[];
  /** Currency of minAmount, autoApproveMaxAmount and twoApproversAbove. */
  currency: string;
  minAmount: number;
  holdDays: number;
  allowedReferrerKinds: ParticipantKind[];
  capPerMonth: number | null;
  capLifetime: number | null;
  startsAt: Date | null;
  endsAt: Date | null;
  termsText: string;
  termsVersion: string;
  autoApproveEnabled: boolean;
  autoApproveMaxAmount: number | null;
  autoApproveEnabledBy: string | null;
  twoApproversAbove: number | null;
  velocityWindowHours: number;
  velocityMaxReferrals: number;
  velocityMaxConversions: number;
  /** A completed job scored at or above this (1-5) invites the customer to refer. */
  inviteMinScore: number;
  inviteChannel: 'email' | 'sms' | 'email_and_sms';
  /** At most one invitation per customer in this many days. */
  inviteCooldownDays: number;
  /** Invitations wait this long after the job is completed (then for the send window). */
  inviteDelayHours: number;
  /** The day of the month the scheduler drafts the payout batch (null: no monthly run). */
  payoutDayOfMonth: number | null;
  /** A payee's paid-out rewards a calendar year may reach this without a tax form on file. */
  taxThresholdAmount: number;
  taxThresholdCurrency: string;
  taxableRewardTypes: RewardType[];
}

/**
 * Defaults that let a new workspace work at once: every sale-like event qualifies, no hold,
 * customers and partners may refer (employees may not), no caps, no auto-approval.
 */
export const DEFAULT_RULES: Omit<ProgramRulesTerms, 'version'> = {
  qualifyingTypes: ['deal_won', 'job_invoiced', 'invoice_paid'],
  currency: 'USD',
  minAmount: 0,
  holdDays: 0,
  allowedReferrerKinds: ['customer', 'partner'],
  capPerMonth: null,
  capLifetime: null,
  startsAt: null,
  endsAt: null,
  termsText:
    'A reward is earned when someone you referred becomes a paying customer. One reward per referred customer. ' +
    'Rewards are reviewed before they are sent and may be withdrawn if the purchase is refunded.',
  termsVersion: 'default-1',
  autoApproveEnabled: false,
  autoApproveMaxAmount: null,
  autoApproveEnabledBy: null,
  twoApproversAbove: null,
  velocityWindowHours: 24,
  velocityMaxReferrals: 10,
  velocityMaxConversions: 5,
  inviteMinScore: 4,
  inviteChannel: 'sms',
  inviteCooldownDays: 90,
  inviteDelayHours: 0,
  payoutDayOfMonth: null,
  taxThresholdAmount: DEFAULT_TAX_THRESHOLD.amount,
  taxThresholdCurrency: DEFAULT_TAX_THRESHOLD.currency,
  taxableRewardTypes: [...DEFAULT_TAXABLE_REWARD_TYPES],
};

/** The hold period ends this long after the conversion happened (sized to the refund window). */
export function holdUntil(occurredAt: Date, holdDays: number): Date {
  return new Date(occurredAt.getTime() + holdDays * 86_400_000);
}

export function programActiveAt(rules: Pick<ProgramRulesTerms, 'startsAt' | 'endsAt'>, at: Date): boolean {
  if (rules.startsAt && at < rules.startsAt) return false;
  if (rules.endsAt && at > rules.endsAt) return false;
  return true;
}

/** Thresholds only compare amounts in the rules' currency; another currency is treated as above. */
export function amountAbove(
  amount: number,
  currency: string,
  threshold: number | null,
  rulesCurrency: string,
): boolean {
  if (threshold === null) return false;
  return currency !== rulesCurrency || amount > threshold;
}
