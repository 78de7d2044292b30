import type { ReferralEvidence } from '../db/schema.js';
import type { ProgramRulesTerms } from '../policy/rules.core.js';
import type { ConversionType, ParticipantKind } from '../shared/vocabulary.js';
import type { FlagType, Recommendation } from './flag.core.js';

export { FLAG_TYPES, type FlagType, RECOMMENDATIONS, type Recommendation } from './flag.core.js';

export const CHECK_TYPES = [
  'conversion_confirmed',
  'referrer_eligible',
  'self_referral',
  'duplicate_claim',
  'disputed_attribution',
  'partner_exception',
  'velocity',
  'disposable_email',
  'existing_customer',
  'tax_form',
] as const;
export type CheckType = (typeof CHECK_TYPES)[number];

export interface SignalFact {
  kind: 'ip' | 'device' | 'payment_fingerprint';
  value: string;
  source: string;
}

export interface PersonFacts {
  id: string;
  name: string;
  kind: ParticipantKind;
  email: string | null;
  emailNormalized: string | null;
  phone: string | null;
  address: string | null;
  signals: SignalFact[];
}

export interface ClickFacts {
  id: string;
  ip: string | null;
  deviceId: string | null;
  userAgent: string | null;
  landedAt: Date;
}

export interface ReferralFacts {
  id: string;
  referrerId: string;
  referrerName: string;
  referrerKind: ParticipantKind;
  source: string;
  referredAt: Date;
  createdAt: Date;
  createdById: string;
  createdByName: string;
  evidence: ReferralEvidence;
  clicks: ClickFacts[];
}

export interface ConversionFacts {
  id: string;
  externalId: string;
  source: string;
  type: ConversionType;
  amount: number;
  currency: string;
  occurredAt: Date;
  reversals: { id: string; externalId: string; type: ConversionType; amount: number; occurredAt: Date }[];
}

export interface ExceptionFacts {
  id: string;
  owner: string;
  reason: string;
  expiresAt: Date;
  revokedAt: Date | null;
  commissionRateBps: number | null;
  amount: number | null;
  excludedChecks: string[];
}

export interface CustomerHistoryFacts {
  knownSince: Date;
  /** How they became known: api, web app, referral link, import... */
  knownVia: string;
  knownById: string | null;
  knownByName: string | null;
  /** Their earliest other qualifying conversions (not this claim's), oldest first. */
  earlierConversions: {
    id: string;
    externalId: string;
    source: string;
    type: string;
    amount: number;
    currency: string;
    occurredAt: Date;
  }[];
}

export interface DisputeFacts {
  id: string;
  status: 'open' | 'resolved';
  reason: string;
  openedByName: string;
  winningReferralId: string | null;
  resolution: string | null;
  resolvedByName: string | null;
  resolvedAt: Date | null;
  createdAt: Date;
}

/**
 * The payee's calendar year for the tax check: the form on file and their other rewards that
 * year, paid (sent in the year) and claimed (open claims made in it), per type and currency.
 */
export interface TaxFacts {
  year: number;
  form: { type: string; receivedAt: Date } | null;
  totals: { rewardType: string; currency: string; paid: number; claimed: number }[];
  /** The claim being judged; without it the check is not evaluated. */
  claim?: { amount: number; currency: string; rewardType: string } | undefined;
}

/** Everything the checks may look at, loaded by the service beforehand. Checks never query. */
export interface EligibilityContext {
  now: Date;
  rules: ProgramRulesTerms;
  referral: ReferralFacts;
  referrer: PersonFacts;
  referred: PersonFacts;
  /** The sale judged; null for a referred person's reward given at the lead (no sale yet). */
  conversion: ConversionFacts | null;
  /** When and how the referred customer became known, and what they bought before. */
  customerHistory: CustomerHistoryFacts;
  /** Other people's referrals of the same customer: competing claims to the credit. */
  otherReferrals: ReferralFacts[];
  dispute: DisputeFacts | null;
  /** Other qualifying conversions of this customer that tried to claim while this claim exists. */
  duplicateAttempts: {
    conversionId: string;
    externalId: string;
    type: string;
    amount: number;
    currency: string;
    occurredAt: string;
  }[];
  /** The referrer's other live claims in this program (not this one). */
  referrerClaims: { sameMonth: number; lifetime: number };
  exceptions: ExceptionFacts[];
  velocity: {
    windowHours: number;
    referralsByReferrer: number;
    claimsByReferrer: number;
    clicksFromSameIp: number;
    clicksFromSameDevice: number;
  };
  disposableDomains: ReadonlySet<string>;
  /** Optional: loaded by rewards/tax-facts.repo.ts (taxFactsFor) where the engine wires it in. */
  tax?: TaxFacts | undefined;
}

export interface ScoreSignal {
  signal: string;
  points: number;
  detail: string;
}

export interface CheckOutcome {
  passed: boolean;
  /** A sentence a person can read. */
  reason: string;
  evidence: Record<string, unknown>;
  /** A failure that makes the claim ineligible (not just in need of review). */
  blocking?: boolean;
  flag?: FlagType;
  score?: ScoreSignal[];
}

export interface Check {
  type: CheckType;
  label: string;
  /** Whether a partner exception may switch this check off for its partner. */
  excludable: boolean;
  evaluate(context: EligibilityContext): CheckOutcome;
}

export interface CheckResult extends CheckOutcome {
  check: CheckType;
  label: string;
  skipped?: boolean;
}

export interface EligibilityResult {
  checks: CheckResult[];
  flags: { type: FlagType; reason: string; evidence: Record<string, unknown> }[];
  fraudScore: number;
  signals: ScoreSignal[];
  recommendation: Recommendation;
}

export function activeExceptions(context: Pick<EligibilityContext, 'exceptions' | 'now'>): ExceptionFacts[] {
  return context.exceptions.filter((exception) => !exception.revokedAt && exception.expiresAt > context.now);
}

export function describeReferral(referral: ReferralFacts) {
  return {
    referralId: referral.id,
    referrerId: referral.referrerId,
    referrerName: referral.referrerName,
    referrerKind: referral.referrerKind,
    source: referral.source,
    referredAt: referral.referredAt.toISOString(),
    recordedBy: referral.createdByName,
    evidence: referral.evidence,
    clicks: referral.clicks.map((click) => ({
      id: click.id,
      ip: click.ip,
      deviceId: click.deviceId,
      userAgent: click.userAgent,
      landedAt: click.landedAt.toISOString(),
    })),
  };
}
