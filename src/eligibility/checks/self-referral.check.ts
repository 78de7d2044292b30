import { normalizeLoose } from '../../participants/identity.core.js';
import type { Check, ScoreSignal, SignalFact } from '../eligibility.types.js';

/**
 * The same person behind both sides. Strong signals (each flags the claim): the same normalised
 * email, E.164 phone, payment fingerprint, device, or name + address. A shared IP alone only
 * raises the fraud score: households, offices and mobile carriers share IPs.
 */
export const SELF_REFERRAL_POINTS = {
  same_payment_fingerprint: 70,
  same_email: 60,
  same_phone: 50,
  same_device: 50,
  same_name_and_address: 40,
  same_ip: 20,
} as const;

function shared(kind: SignalFact['kind'], a: SignalFact[], b: SignalFact[]) {
  const values = new Map(a.filter((signal) => signal.kind === kind).map((signal) => [signal.value, signal]));
  return b
    .filter((signal) => signal.kind === kind && values.has(signal.value))
    .map((signal) => ({
      value: signal.value,
      referrerSource: values.get(signal.value)?.source,
      referredSource: signal.source,
    }));
}

export const selfReferral: Check = {
  type: 'self_referral',
  label: 'Self-referral',
  excludable: true,
  evaluate({ referrer, referred, referral }) {
    // What the referral itself saw (the lead's clicks and form) counts as the referred side too.
    const referredSignals: SignalFact[] = [
      ...referred.signals,
      ...referral.clicks.flatMap((click) => [
        ...(click.ip ? [{ kind: 'ip' as const, value: click.ip, source: `click ${click.id}` }] : []),
        ...(click.deviceId ? [{ kind: 'device' as const, value: click.deviceId, source: `click ${click.id}` }] : []),
      ]),
      ...(referral.evidence.ip
        ? [{ kind: 'ip' as const, value: referral.evidence.ip, source: 'referral evidence' }]
        : []),
      ...(referral.evidence.deviceId
        ? [{ kind: 'device' as const, value: referral.evidence.deviceId, source: 'referral evidence' }]
        : []),
    ];
    const matches: ScoreSignal[] = [];
    const evidence: Record<string, unknown> = {};
    if (referrer.emailNormalized && referrer.emailNormalized === referred.emailNormalized) {
      matches.push({
        signal: 'same_email',
        points: SELF_REFERRAL_POINTS.same_email,
        detail: `both emails normalise to ${referred.emailNormalized}`,
      });
      evidence.email = { referrer: referrer.email, referred: referred.email, normalized: referred.emailNormalized };
    }
    if (referrer.phone && referrer.phone === referred.phone) {
      matches.push({
        signal: 'same_phone',
        points: SELF_REFERRAL_POINTS.same_phone,
        detail: `both have phone ${referred.phone}`,
      });
      evidence.phone = referred.phone;
    }
    const payment = shared('payment_fingerprint', referrer.signals, referredSignals);
    if (payment.length > 0) {
      matches.push({
        signal: 'same_payment_fingerprint',
        points: SELF_REFERRAL_POINTS.same_payment_fingerprint,
        detail: 'the same payment method paid on both sides',
      });
      evidence.paymentFingerprint = payment;
    }
    const devices = shared('device', referrer.signals, referredSignals);
    if (devices.length > 0) {
      matches.push({
        signal: 'same_device',
        points: SELF_REFERRAL_POINTS.same_device,
        detail: `device ${devices[0]?.value} seen on both sides`,
      });
      evidence.device = devices;
    }
    const sameName =
      normalizeLoose(referrer.name) !== '' && normalizeLoose(referrer.name) === normalizeLoose(referred.name);
    const sameAddress =
      !!referrer.address && !!referred.address && normalizeLoose(referrer.address) === normalizeLoose(referred.address);
    if (sameName && sameAddress) {
      matches.push({
        signal: 'same_name_and_address',
        points: SELF_REFERRAL_POINTS.same_name_and_address,
        detail: `same name and address (${referred.address})`,
      });
      evidence.nameAndAddress = { name: referred.name, address: referred.address };
    }
    const strong = matches.length > 0;
    const ips = shared('ip', referrer.signals, referredSignals);
    if (ips.length > 0) {
      matches.push({
        signal: 'same_ip',
        points: SELF_REFERRAL_POINTS.same_ip,
        detail: `IP ${ips[0]?.value} seen on both sides`,
      });
      evidence.ip = ips;
    }
    if (strong) {
      return {
        passed: false,
        flag: 'self_referral',
        reason: `${referrer.name} and ${referred.name} look like the same person: ${matches.map((m) => m.detail).join('; ')}.`,
        evidence,
        score: matches,
      };
    }
    if (matches.length > 0) {
      return {
        passed: true,
        reason: `Only a shared IP links ${referrer.name} and ${referred.name}; it raises the fraud score but does not flag.`,
        evidence,
        score: matches,
      };
    }
    return {
      passed: true,
      reason: 'No sign that the same person is behind both sides.',
      evidence: { compared: ['email', 'phone', 'payment fingerprint', 'device', 'name + address', 'IP'] },
    };
  },
};
