/**
 * The claim's facts as the engine and the checks see them, and the pure assembly of the checks'
 * context from what the repo loaded. No queries here (claim-context.repo.ts loads; this shapes).
 */
import type {
  conversions,
  disputes,
  linkClicks,
  participantSignals,
  participants,
  partnerExceptions,
  programRules,
  referrals,
  rewardPolicies,
} from '../db/schema.js';
import {
  activeExceptions,
  type DisputeFacts,
  type EligibilityContext,
  type ExceptionFacts,
  type PersonFacts,
  type ReferralFacts,
  type TaxFacts,
} from '../eligibility/eligibility.types.js';
import type { PolicyTerms } from '../policy/policy.core.js';
import type { ProgramRulesTerms } from '../policy/rules.core.js';
import type { RewardStatus } from './lifecycle.core.js';
import { computeRewardAmount } from './reward-amount.core.js';

export type ParticipantRow = typeof participants.$inferSelect;

export type ReferralRow = typeof referrals.$inferSelect;
export type ConversionRow = typeof conversions.$inferSelect;

export type PolicyRow = typeof rewardPolicies.$inferSelect;
export type RulesRow = typeof programRules.$inferSelect;
export type DisputeRow = typeof disputes.$inferSelect;
export type ClickRow = typeof linkClicks.$inferSelect;
export type SignalRow = typeof participantSignals.$inferSelect;
export type ExceptionRow = typeof partnerExceptions.$inferSelect;

export interface ReferralWithReferrer {
  referral: ReferralRow;
  referrerName: string;
  referrerKind: ParticipantRow['kind'];
}

export function monthStart(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
}

export interface CustomerFacts {
  liveReward: { id: string; status: RewardStatus; conversionId: string | null } | null;
  referrals: ReferralWithReferrer[];
  clicks: ClickRow[];
  dispute: DisputeRow | null;
  signals: SignalRow[];
  reversals: { id: string; externalId: string; type: ConversionRow['type']; amount: number; occurredAt: Date }[];
  twins: { id: string; externalId: string; type: string; amount: number; currency: string; occurredAt: Date }[];
  /** The customer's earliest other qualifying conversions: did they buy before being referred? */
  earlier: {
    id: string;
    externalId: string;
    source: string;
    type: string;
    amount: number;
    currency: string;
    occurredAt: Date;
  }[];
}

export interface ReferrerFacts {
  lifetime: number;
  sameMonth: number;
  claimsInWindow: number;
  referralsInWindow: number;
  clicksFromSameIp: number;
  clicksFromSameDevice: number;
  exceptions: ExceptionRow[];
  signals: SignalRow[];
  /** The referrer's tax year (rewards/tax-facts.repo.ts), when loaded. */
  tax?: Omit<TaxFacts, 'claim'> | undefined;
}

export function exceptionFacts(row: ExceptionRow): ExceptionFacts {
  return {
    id: row.id,
    owner: row.owner,
    reason: row.reason,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
    commissionRateBps: row.commissionRateBps,
    amount: row.amount,
    excludedChecks: row.excludedChecks,
  };
}

function person(row: ParticipantRow, signals: SignalRow[]): PersonFacts {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    email: row.email,
    emailNormalized: row.emailNormalized,
    phone: row.phone,
    address: row.address,
    signals: signals.map((signal) => ({ kind: signal.kind, value: signal.value, source: signal.source })),
  };
}

function disputeFacts(row: DisputeRow | null): DisputeFacts | null {
  if (!row) return null;
  return {
    id: row.id,
    status: row.status,
    reason: row.reason,
    openedByName: row.openedByName,
    winningReferralId: row.winningReferralId,
    resolution: row.resolution,
    resolvedByName: row.resolvedByName,
    resolvedAt: row.resolvedAt,
    createdAt: row.createdAt,
  };
}

function referralFacts(row: ReferralWithReferrer, clicks: ClickRow[]): ReferralFacts {
  return {
    id: row.referral.id,
    referrerId: row.referral.referrerId,
    referrerName: row.referrerName,
    referrerKind: row.referrerKind,
    source: row.referral.source,
    referredAt: row.referral.referredAt,
    createdAt: row.referral.createdAt,
    createdById: row.referral.createdBy,
    createdByName: row.referral.createdByName,
    evidence: row.referral.evidence,
    clicks: clicks
      .filter((click) => click.referrerId === row.referral.referrerId)
      .map((click) => ({
        id: click.id,
        ip: click.ip,
        deviceId: click.deviceId,
        userAgent: click.userAgent,
        landedAt: click.landedAt,
      })),
  };
}

/** The clicks that brought the customer in through this referrer's link: IPs and devices for velocity. */
export function clickKeys(customer: CustomerFacts, referrerId: string) {
  const own = customer.clicks.filter((click) => click.referrerId === referrerId);
  return {
    ips: [...new Set(own.map((click) => click.ip).filter((ip): ip is string => !!ip))],
    devices: [...new Set(own.map((click) => click.deviceId).filter((id): id is string => !!id))],
  };
}

/** Assembles the checks' context from what was loaded: pure. */
export function buildEligibilityContext(input: {
  now: Date;
  rules: ProgramRulesTerms;
  chosen: ReferralWithReferrer;
  referrer: ParticipantRow;
  referred: ParticipantRow;
  /** Null for a reward given at the lead: judged on the lead, before any sale. */
  conversion: ConversionRow | null;
  customer: CustomerFacts;
  referrerFacts: ReferrerFacts;
  /** The list the disposable-email check reads (eligibility's data, passed in). */
  disposableDomains: ReadonlySet<string>;
  /** The claim judged, for the tax check: given on a re-check; a new claim's comes from `policy`. */
  claim?: { amount: number; currency: string; rewardType: string } | undefined;
  policy?: PolicyTerms | undefined;
}): EligibilityContext {
  const { customer, referrerFacts: rf } = input;
  return {
    tax: rf.tax ? { ...rf.tax, claim: input.claim ?? newClaimOf(input) } : undefined,
    now: input.now,
    rules: input.rules,
    referral: referralFacts(input.chosen, customer.clicks),
    referrer: person(input.referrer, rf.signals),
    referred: person(input.referred, customer.signals),
    conversion: input.conversion
      ? {
          id: input.conversion.id,
          externalId: input.conversion.externalId,
          source: input.conversion.source,
          type: input.conversion.type,
          amount: input.conversion.amount,
          currency: input.conversion.currency,
          occurredAt: input.conversion.occurredAt,
          reversals: customer.reversals,
        }
      : null,
    customerHistory: {
      knownSince: input.referred.createdAt,
      knownVia: input.referred.createdVia,
      knownById: input.referred.createdBy,
      knownByName: input.referred.createdByName,
      earlierConversions: customer.earlier,
    },
    otherReferrals: customer.referrals
      .filter((row) => row.referral.id !== input.chosen.referral.id)
      .map((row) => referralFacts(row, customer.clicks)),
    dispute: disputeFacts(customer.dispute),
    duplicateAttempts: customer.twins.map((twin) => ({
      conversionId: twin.id,
      externalId: twin.externalId,
      type: twin.type,
      amount: twin.amount,
      currency: twin.currency,
      occurredAt: twin.occurredAt.toISOString(),
    })),
    referrerClaims: { sameMonth: rf.sameMonth, lifetime: rf.lifetime },
    exceptions: rf.exceptions.map(exceptionFacts),
    velocity: {
      windowHours: input.rules.velocityWindowHours,
      referralsByReferrer: rf.referralsInWindow,
      // The facts exclude this claim (not inserted yet, or excluded on a re-check): count it once.
      claimsByReferrer: rf.claimsInWindow + 1,
      clicksFromSameIp: rf.clicksFromSameIp,
      clicksFromSameDevice: rf.clicksFromSameDevice,
    },
    disposableDomains: input.disposableDomains,
  };
}

/** What a new claim would pay (the same pure calculation the claim engine makes), for the tax check. */
function newClaimOf(input: {
  now: Date;
  policy?: PolicyTerms | undefined;
  conversion: ConversionRow | null;
  referrerFacts: ReferrerFacts;
}): TaxFacts['claim'] {
  const { policy, referrerFacts: rf } = input;
  if (!policy || !input.conversion) return undefined;
  const override = activeExceptions({ now: input.now, exceptions: rf.exceptions.map(exceptionFacts) })[0];
  const reward = computeRewardAmount({ policy, ordinal: rf.lifetime + 1, conversion: input.conversion, override });
  return { amount: reward.amount, currency: reward.currency, rewardType: policy.rewardType };
}

/**
 * The payee's tax year after one more open claim (the batch engine's in-memory step, so a later
 * claim of the same batch sees the earlier ones, as the one-event path sees them committed).
 */
export function taxFactsWithClaim(
  tax: Omit<TaxFacts, 'claim'>,
  claim: { amount: number; currency: string; rewardType: string },
): Omit<TaxFacts, 'claim'> {
  const same = (row: TaxFacts['totals'][number]) =>
    row.rewardType === claim.rewardType && row.currency === claim.currency;
  const totals = tax.totals.some(same)
    ? tax.totals.map((row) => (same(row) ? { ...row, claimed: row.claimed + claim.amount } : row))
    : [...tax.totals, { rewardType: claim.rewardType, currency: claim.currency, paid: 0, claimed: claim.amount }];
  return { ...tax, totals };
}

/** The payee's tax year without one of their open claims (a re-check leaves the claim judged out). */
export function taxFactsWithoutClaim(
  tax: Omit<TaxFacts, 'claim'>,
  claim: { amount: number; currency: string; rewardType: string },
): Omit<TaxFacts, 'claim'> {
  return {
    ...tax,
    totals: tax.totals.map((row) =>
      row.rewardType === claim.rewardType && row.currency === claim.currency
        ? { ...row, claimed: row.claimed - claim.amount }
        : row,
    ),
  };
}
