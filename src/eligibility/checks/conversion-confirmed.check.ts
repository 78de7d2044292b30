import { formatMoney } from '../../shared/currency.js';
import type { Check } from '../eligibility.types.js';

/** A qualifying event exists for the referred customer, big enough, and not refunded. */
export const conversionConfirmed: Check = {
  type: 'conversion_confirmed',
  label: 'Conversion confirmed',
  excludable: false,
  evaluate({ conversion, rules, referral }) {
    if (!conversion) {
      // A referred person's reward given at the lead: the lead is the qualifying event, no sale yet.
      return {
        passed: true,
        reason: `A reward at the lead: no sale is needed; the referral was recorded on ${referral.createdAt.toISOString().slice(0, 10)} (${referral.source}).`,
        evidence: {
          lead: { referralId: referral.id, source: referral.source, referredAt: referral.referredAt.toISOString() },
        },
      };
    }
    const refunded = conversion.reversals.reduce((sum, reversal) => sum + reversal.amount, 0);
    const evidence = {
      conversionId: conversion.id,
      externalId: conversion.externalId,
      source: conversion.source,
      type: conversion.type,
      amount: conversion.amount,
      currency: conversion.currency,
      occurredAt: conversion.occurredAt.toISOString(),
      qualifyingTypes: rules.qualifyingTypes,
      refundedAmount: refunded,
      reversals: conversion.reversals.map((reversal) => ({
        id: reversal.id,
        externalId: reversal.externalId,
        type: reversal.type,
        amount: reversal.amount,
        occurredAt: reversal.occurredAt.toISOString(),
      })),
    };
    if (!rules.qualifyingTypes.includes(conversion.type)) {
      return {
        passed: false,
        blocking: true,
        reason: `A ${conversion.type} event does not qualify under the program rules.`,
        evidence,
      };
    }
    if (refunded >= conversion.amount && conversion.reversals.length > 0) {
      return {
        passed: false,
        blocking: true,
        reason: `The conversion was fully ${conversion.reversals[0]?.type === 'chargeback' ? 'charged back' : 'refunded'}.`,
        evidence,
      };
    }
    if (refunded > 0) {
      return {
        passed: false,
        flag: 'refunded',
        reason: `${formatMoney(refunded, conversion.currency)} of ${formatMoney(conversion.amount, conversion.currency)} was refunded or charged back.`,
        evidence,
      };
    }
    if (rules.minAmount > 0) {
      const minCurrency = rules.currency;
      if (minCurrency !== conversion.currency) {
        return {
          passed: false,
          reason: `The minimum is in ${minCurrency} but the conversion is in ${conversion.currency}; a person must compare them.`,
          evidence: { ...evidence, minAmount: rules.minAmount, minCurrency },
        };
      }
      if (conversion.amount < rules.minAmount) {
        return {
          passed: false,
          blocking: true,
          reason: `${formatMoney(conversion.amount, conversion.currency)} is below the minimum of ${formatMoney(rules.minAmount, minCurrency)}.`,
          evidence: { ...evidence, minAmount: rules.minAmount, minCurrency },
        };
      }
    }
    return {
      passed: true,
      reason: `${conversion.type} of ${formatMoney(conversion.amount, conversion.currency)} (${conversion.source}/${conversion.externalId}) qualifies and is not refunded.`,
      evidence,
    };
  },
};
