import { ProgramRulesInputSchema } from '../../../../src/policy/policy.schema.js';
import type { ProgramRules } from '../../api';
import { fromMinor } from '../../format';
import { FormReader, type Issues } from '../../forms';

/** The program rules as the form holds them: text as typed, lists as chosen. */
export type RulesDraft = {
  qualifyingTypes: string[];
  allowedReferrerKinds: string[];
  currency: string;
  minAmount: string;
  holdDays: string;
  capPerMonth: string;
  capLifetime: string;
  startsAt: string;
  endsAt: string;
  termsText: string;
  termsVersion: string;
  autoApprove: boolean;
  autoApproveMax: string;
  twoApproversAbove: string;
  /** Invitations after a job (set through the API): not on this form, kept as they are. */
  invite: Pick<ProgramRules, 'inviteMinScore' | 'inviteChannel' | 'inviteCooldownDays' | 'inviteDelayHours'>;
  payoutDayOfMonth: string;
  taxThreshold: string;
  taxThresholdCurrency: string;
  taxableRewardTypes: string[];
};

export function rulesToDraft(rules: ProgramRules): RulesDraft {
  const amount = (minor: number | null) => (minor === null ? '' : fromMinor(minor, rules.currency));
  return {
    qualifyingTypes: rules.qualifyingTypes,
    allowedReferrerKinds: rules.allowedReferrerKinds,
    currency: rules.currency,
    minAmount: fromMinor(rules.minAmount, rules.currency),
    holdDays: String(rules.holdDays),
    capPerMonth: rules.capPerMonth ? String(rules.capPerMonth) : '',
    capLifetime: rules.capLifetime ? String(rules.capLifetime) : '',
    startsAt: rules.startsAt?.slice(0, 10) ?? '',
    endsAt: rules.endsAt?.slice(0, 10) ?? '',
    termsText: rules.termsText,
    termsVersion: rules.termsVersion,
    autoApprove: rules.autoApproval.enabled,
    autoApproveMax: amount(rules.autoApproval.maxAmount),
    twoApproversAbove: amount(rules.twoApproversAbove),
    invite: {
      inviteMinScore: rules.inviteMinScore,
      inviteChannel: rules.inviteChannel,
      inviteCooldownDays: rules.inviteCooldownDays,
      inviteDelayHours: rules.inviteDelayHours,
    },
    payoutDayOfMonth: rules.payoutDayOfMonth === null ? '' : String(rules.payoutDayOfMonth),
    taxThreshold: fromMinor(rules.taxThreshold.amount, rules.taxThreshold.currency),
    taxThresholdCurrency: rules.taxThreshold.currency,
    taxableRewardTypes: rules.taxableRewardTypes,
  };
}

/** The body for PUT /v1/program-rules, checked by the server's ProgramRulesInputSchema. */
export function readRulesDraft(draft: RulesDraft, velocity: ProgramRules['velocity']) {
  const form = new FormReader();
  const { currency } = draft;
  const body = form.check(ProgramRulesInputSchema, {
    qualifyingTypes: draft.qualifyingTypes,
    allowedReferrerKinds: draft.allowedReferrerKinds,
    currency,
    minAmount: form.amount(draft.minAmount, currency, 'minAmount') ?? 0,
    holdDays: form.whole(draft.holdDays, 'holdDays') ?? 0,
    capPerMonth: form.whole(draft.capPerMonth, 'capPerMonth'),
    capLifetime: form.whole(draft.capLifetime, 'capLifetime'),
    startsAt: draft.startsAt ? new Date(`${draft.startsAt}T00:00:00Z`).toISOString() : null,
    endsAt: draft.endsAt ? new Date(`${draft.endsAt}T23:59:59Z`).toISOString() : null,
    termsText: draft.termsText,
    termsVersion: draft.termsVersion,
    autoApproval: {
      enabled: draft.autoApprove,
      maxAmount: draft.autoApprove ? form.amount(draft.autoApproveMax, currency, 'autoApproval.maxAmount') : null,
    },
    twoApproversAbove: form.amount(draft.twoApproversAbove, currency, 'twoApproversAbove'),
    payoutDayOfMonth: form.whole(draft.payoutDayOfMonth, 'payoutDayOfMonth'),
    taxThreshold: {
      amount: form.amount(draft.taxThreshold, draft.taxThresholdCurrency, 'taxThreshold.amount') ?? 0,
      currency: draft.taxThresholdCurrency,
    },
    taxableRewardTypes: draft.taxableRewardTypes,
    // Not on this form: kept as they are.
    velocity,
    ...draft.invite,
  });
  return { body, issues: form.issues as Issues };
}
