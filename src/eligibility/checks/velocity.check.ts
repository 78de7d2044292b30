import type { Check, ScoreSignal } from '../eligibility.types.js';

/** Unusually many referrals or conversions for a referrer, or clicks from one IP or device. */
export const velocity: Check = {
  type: 'velocity',
  label: 'Velocity',
  excludable: true,
  evaluate({ velocity: v, rules }) {
    const evidence = {
      windowHours: v.windowHours,
      referralsByReferrer: v.referralsByReferrer,
      claimsByReferrer: v.claimsByReferrer,
      clicksFromSameIp: v.clicksFromSameIp,
      clicksFromSameDevice: v.clicksFromSameDevice,
      maxReferrals: rules.velocityMaxReferrals,
      maxConversions: rules.velocityMaxConversions,
    };
    const hits: ScoreSignal[] = [];
    if (v.referralsByReferrer > rules.velocityMaxReferrals) {
      hits.push({
        signal: 'referral_velocity',
        points: 25,
        detail: `${v.referralsByReferrer} referrals in ${v.windowHours} h (limit ${rules.velocityMaxReferrals})`,
      });
    }
    if (v.claimsByReferrer > rules.velocityMaxConversions) {
      hits.push({
        signal: 'conversion_velocity',
        points: 25,
        detail: `${v.claimsByReferrer} converted referrals in ${v.windowHours} h (limit ${rules.velocityMaxConversions})`,
      });
    }
    if (v.clicksFromSameIp > rules.velocityMaxReferrals) {
      hits.push({
        signal: 'ip_velocity',
        points: 15,
        detail: `${v.clicksFromSameIp} link clicks from one IP in ${v.windowHours} h`,
      });
    }
    if (v.clicksFromSameDevice > rules.velocityMaxReferrals) {
      hits.push({
        signal: 'device_velocity',
        points: 20,
        detail: `${v.clicksFromSameDevice} link clicks from one device in ${v.windowHours} h`,
      });
    }
    if (hits.length > 0) {
      return {
        passed: false,
        flag: 'velocity',
        reason: `Unusual activity: ${hits.map((h) => h.detail).join('; ')}.`,
        evidence,
        score: hits,
      };
    }
    return { passed: true, reason: `Activity in the last ${v.windowHours} h is within normal limits.`, evidence };
  },
};
