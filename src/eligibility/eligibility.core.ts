import { disputedAttribution, duplicateClaim } from './checks/attribution.check.js';
import { conversionConfirmed } from './checks/conversion-confirmed.check.js';
import { disposableEmail } from './checks/disposable-email.check.js';
import { existingCustomer } from './checks/existing-customer.check.js';
import { partnerException } from './checks/partner-exception.check.js';
import { referrerEligible } from './checks/referrer-eligible.check.js';
import { selfReferral } from './checks/self-referral.check.js';
import { taxForm } from './checks/tax-form.check.js';
import { velocity } from './checks/velocity.check.js';
import {
  activeExceptions,
  type Check,
  type CheckResult,
  type CheckType,
  type EligibilityContext,
  type EligibilityResult,
  type Recommendation,
} from './eligibility.types.js';

/** The registry: a Record, so the compiler notices a check type without a check. */
export const CHECKS: Record<CheckType, Check> = {
  conversion_confirmed: conversionConfirmed,
  referrer_eligible: referrerEligible,
  self_referral: selfReferral,
  duplicate_claim: duplicateClaim,
  disputed_attribution: disputedAttribution,
  partner_exception: partnerException,
  velocity,
  disposable_email: disposableEmail,
  existing_customer: existingCustomer,
  tax_form: taxForm,
};

export const EXCLUDABLE_CHECKS = Object.values(CHECKS)
  .filter((check) => check.excludable)
  .map((check) => check.type);

/**
 * Runs every check over one claim. The recommendation: `ineligible` when a blocking check fails,
 * `needs_review` when anything is flagged or fails, otherwise `eligible`. The fraud score is the
 * sum of the signals' points, capped at 100, and lists which signals made it.
 */
export function evaluateEligibility(context: EligibilityContext): EligibilityResult {
  const exception = activeExceptions(context)[0];
  const checks: CheckResult[] = Object.values(CHECKS).map((check) => {
    if (exception && check.excludable && exception.excludedChecks.includes(check.type)) {
      return {
        check: check.type,
        label: check.label,
        passed: true,
        skipped: true,
        reason: `Not run: excluded by partner exception ${exception.id} (${exception.reason}).`,
        evidence: { exceptionId: exception.id },
      };
    }
    return { check: check.type, label: check.label, ...check.evaluate(context) };
  });
  const signals = checks.flatMap((check) => check.score ?? []);
  const fraudScore = Math.min(
    100,
    signals.reduce((sum, signal) => sum + signal.points, 0),
  );
  const flags = checks.flatMap((check) =>
    check.flag ? [{ type: check.flag, reason: check.reason, evidence: check.evidence }] : [],
  );
  let recommendation: Recommendation = 'eligible';
  if (checks.some((check) => !check.passed)) recommendation = 'needs_review';
  if (checks.some((check) => !check.passed && check.blocking)) recommendation = 'ineligible';
  return { checks, flags, fraudScore, signals, recommendation };
}
