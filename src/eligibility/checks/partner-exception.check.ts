import { formatRate } from '../../policy/policy.core.js';
import { activeExceptions, type Check } from '../eligibility.types.js';

/** A partner with a rule of its own: a person confirms the exception applies. */
export const partnerException: Check = {
  type: 'partner_exception',
  label: 'Partner exception',
  excludable: false,
  evaluate(context) {
    const active = activeExceptions(context);
    const expired = context.exceptions.filter((exception) => !active.includes(exception));
    const describe = (exception: (typeof context.exceptions)[number]) => ({
      exceptionId: exception.id,
      owner: exception.owner,
      reason: exception.reason,
      expiresAt: exception.expiresAt.toISOString(),
      revokedAt: exception.revokedAt?.toISOString() ?? null,
      commissionRateBps: exception.commissionRateBps,
      amount: exception.amount,
      excludedChecks: exception.excludedChecks,
    });
    const exception = active[0];
    if (exception) {
      const effects = [
        exception.commissionRateBps !== null ? `commission ${formatRate(exception.commissionRateBps)}` : null,
        exception.amount !== null ? `amount ${exception.amount}` : null,
        exception.excludedChecks.length ? `skips ${exception.excludedChecks.join(', ')}` : null,
      ].filter(Boolean);
      return {
        passed: false,
        flag: 'partner_exception',
        reason: `${context.referrer.name} has a partner exception (${effects.join('; ') || 'no overrides'}), owned by ${exception.owner} until ${exception.expiresAt.toISOString().slice(0, 10)}: ${exception.reason}`,
        evidence: { active: describe(exception), expired: expired.map(describe) },
      };
    }
    return {
      passed: true,
      reason: expired.length
        ? 'Earlier partner exceptions have expired or were revoked; standard rules apply.'
        : 'Standard rules apply.',
      evidence: { expired: expired.map(describe) },
    };
  },
};
