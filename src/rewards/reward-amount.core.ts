/**
 * The reward maths: pure functions from a policy version, the referrer's ordinal and the
 * conversion to an amount in integer minor units, with the calculation written out for people.
 *
 * Rounding rule (commission share): the exact share amount × bps / 10 000 is rounded half up to
 * the nearest minor unit (12 345.5 → 12 346; 12 345.49 → 12 345). Computed in BigInt, so it is
 * exact for every amount up to 10^12 minor units and every rate up to 100%.
 */

import { formatRate, ordinal, type PolicyTerms, REWARD_TYPE_LABEL, type Tier } from '../policy/policy.core.js';
import { formatMoney } from '../shared/currency.js';

export const BPS_DENOMINATOR = 10_000;

/** `commissionShare(123456, 1000)` → 12346 (10% of 1,234.56 = 123.456 → 123.46, half up). */
export function commissionShare(amountMinor: number, rateBps: number): number {
  if (!Number.isSafeInteger(amountMinor) || amountMinor < 0)
    throw new RangeError('amount must be a non-negative integer');
  if (!Number.isInteger(rateBps) || rateBps < 0 || rateBps > BPS_DENOMINATOR)
    throw new RangeError('rate must be 0–10000 bps');
  const product = BigInt(amountMinor) * BigInt(rateBps);
  return Number((product + BigInt(BPS_DENOMINATOR / 2)) / BigInt(BPS_DENOMINATOR));
}

/** The tier in force for the n-th converted referral: the last tier starting at or before n. */
export function selectTier(tiers: readonly Tier[], ordinalNumber: number): Tier | undefined {
  let chosen: Tier | undefined;
  for (const tier of [...tiers].sort((a, b) => a.fromReferral - b.fromReferral)) {
    if (tier.fromReferral <= ordinalNumber) chosen = tier;
  }
  return chosen;
}

/** A per-partner rule that overrides the policy's rate or amount (see partner exceptions). */
export interface AmountOverride {
  id: string;
  commissionRateBps?: number | null | undefined;
  amount?: number | null | undefined;
}

export interface RewardAmountInput {
  policy: PolicyTerms;
  /** 1 for the referrer's first converted referral, 2 for the second... */
  ordinal: number;
  conversion: { amount: number; currency: string };
  override?: AmountOverride | undefined;
}

export interface RewardAmount {
  amount: number;
  currency: string;
  /** What the referrer gets, in words: "Gift card, 25.00 USD via Tremendous". */
  summary: string;
  /** How the amount was reached: "tier from 3rd referral: 5000 USD (50.00 USD)". */
  calculation: string;
}

export function computeRewardAmount(input: RewardAmountInput): RewardAmount {
  const { policy, conversion, override } = input;
  const tier = selectTier(policy.tiers, input.ordinal);
  const provider = policy.provider ? ` via ${policy.provider}` : '';
  const label = REWARD_TYPE_LABEL[policy.rewardType];

  if (policy.rewardType === 'none') {
    return { amount: 0, currency: policy.currency, summary: 'No reward', calculation: 'policy gives no reward' };
  }

  if (policy.rewardType === 'commission_share') {
    let rate = policy.commissionRateBps ?? 0;
    let source = `policy rate ${formatRate(rate)}`;
    if (tier?.commissionRateBps !== undefined) {
      rate = tier.commissionRateBps;
      source = `tier from ${ordinal(tier.fromReferral)} referral: ${formatRate(rate)}`;
    }
    if (override?.commissionRateBps != null) {
      rate = override.commissionRateBps;
      source = `partner exception ${override.id}: ${formatRate(rate)}`;
    }
    const amount = commissionShare(conversion.amount, rate);
    const exact = (BigInt(conversion.amount) * BigInt(rate)) % BigInt(BPS_DENOMINATOR) === 0n;
    const money = formatMoney(amount, conversion.currency);
    return {
      amount,
      currency: conversion.currency,
      summary: `${label}, ${money}${provider}`,
      calculation:
        `${source}; ${formatRate(rate)} of ${conversion.amount} = ${amount} ` +
        `(${formatMoney(conversion.amount, conversion.currency)} → ${money}${exact ? '' : ', rounded half up'})`,
    };
  }

  if (policy.rewardType === 'discount_code' && policy.discountPercent) {
    return {
      amount: 0,
      currency: policy.currency,
      summary: `${label}, ${policy.discountPercent}% off${provider}`,
      calculation: `discount code: ${policy.discountPercent}% off a future invoice (no cash amount)`,
    };
  }

  let amount = policy.amount;
  let calculation = `fixed amount: ${amount} ${policy.currency} (${formatMoney(amount, policy.currency)})`;
  if (tier?.amount !== undefined) {
    amount = tier.amount;
    calculation = `tier from ${ordinal(tier.fromReferral)} referral: ${amount} ${policy.currency} (${formatMoney(amount, policy.currency)})`;
  }
  if (override?.amount != null) {
    amount = override.amount;
    calculation = `partner exception ${override.id}: ${amount} ${policy.currency} (${formatMoney(amount, policy.currency)})`;
  }
  const what =
    policy.rewardType === 'custom'
      ? `${label}: ${policy.description ?? ''}${amount > 0 ? ` (${formatMoney(amount, policy.currency)})` : ''}`
      : policy.rewardType === 'discount_code'
        ? `${label}, ${formatMoney(amount, policy.currency)} off`
        : `${label}, ${formatMoney(amount, policy.currency)}`;
  return {
    amount,
    currency: policy.currency,
    summary: `${what}${provider}`,
    calculation: `${ordinal(input.ordinal)} converted referral; ${calculation}`,
  };
}
