import { programActiveAt } from '../../policy/rules.core.js';
import type { Check } from '../eligibility.types.js';

/** The referrer may refer (kind), the program was running, caps are not reached, not themselves. */
export const referrerEligible: Check = {
  type: 'referrer_eligible',
  label: 'Referrer eligible',
  excludable: true,
  evaluate({ referrer, referred, rules, conversion, referral, referrerClaims }) {
    // A reward given at the lead is judged at the lead: the program must have been running then.
    const at = conversion?.occurredAt ?? referral.referredAt;
    const evidence = {
      referrerId: referrer.id,
      referrerKind: referrer.kind,
      allowedKinds: rules.allowedReferrerKinds,
      programStartsAt: rules.startsAt?.toISOString() ?? null,
      programEndsAt: rules.endsAt?.toISOString() ?? null,
      ...(conversion ? { conversionAt: at.toISOString() } : { leadAt: at.toISOString() }),
      claimsThisMonth: referrerClaims.sameMonth,
      claimsLifetime: referrerClaims.lifetime,
      capPerMonth: rules.capPerMonth,
      capLifetime: rules.capLifetime,
    };
    const problems: string[] = [];
    if (!rules.allowedReferrerKinds.includes(referrer.kind))
      problems.push(`${referrer.kind}s may not refer in this program`);
    if (!programActiveAt(rules, at))
      problems.push(`the ${conversion ? 'conversion' : 'lead'} happened outside the program period`);
    if (rules.capPerMonth !== null && referrerClaims.sameMonth >= rules.capPerMonth) {
      problems.push(`the monthly cap of ${rules.capPerMonth} reward(s) is reached`);
    }
    if (rules.capLifetime !== null && referrerClaims.lifetime >= rules.capLifetime) {
      problems.push(`the lifetime cap of ${rules.capLifetime} reward(s) is reached`);
    }
    if (referrer.id === referred.id) problems.push('the referrer is the referred customer');
    if (problems.length > 0) {
      return {
        passed: false,
        blocking: true,
        reason: `${referrer.name} is not eligible: ${problems.join('; ')}.`,
        evidence,
      };
    }
    return { passed: true, reason: `${referrer.name} (${referrer.kind}) may refer and is within the caps.`, evidence };
  },
};
