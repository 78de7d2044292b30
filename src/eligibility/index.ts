/**
 * Eligibility: the checks over a claim (pure), their facts and flag types.
 * The feature's front door: other features import only from here.
 */
export { DISPOSABLE_DOMAINS } from './disposable-domains.js';
export { EXCLUDABLE_CHECKS, evaluateEligibility } from './eligibility.core.js';
export {
  activeExceptions,
  type DisputeFacts,
  type EligibilityContext,
  type ExceptionFacts,
  FLAG_TYPES,
  type FlagType,
  type PersonFacts,
  type ReferralFacts,
  type TaxFacts,
} from './eligibility.types.js';
export { freshFlags } from './flag.core.js';
