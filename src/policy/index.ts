/**
 * Policy: reward policy and program rules, versioned.
 * The feature's front door: other features import only from here.
 */
export {
  DEFAULT_POLICY,
  formatRate,
  ordinal,
  type PolicyTerms,
  REWARD_TYPE_LABEL,
  REWARD_TYPES,
  type Tier,
} from './policy.core.js';
export { currentPolicy, currentRules, getDefaultProgram, policyVersion, rulesVersion } from './policy.repo.js';
export { policyRoutes } from './policy.routes.js';
export { policyTerms, rulesTerms } from './policy.service.js';
export { amountAbove, DEFAULT_RULES, holdUntil, type ProgramRulesTerms, programActiveAt } from './rules.core.js';
