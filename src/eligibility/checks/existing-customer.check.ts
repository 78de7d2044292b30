import type { Check, EligibilityContext } from '../eligibility.types.js';

/** Sources a referred person gives themselves (a form behind a link, a code typed at checkout). */
const SELF_SERVICE_SOURCES = new Set(['link', 'code']);

/**
 * A customer the business already had cannot be brought in by a referral. Someone who was known
 * before a link or code named them (anyone can type an existing customer's email into a lead
 * form), or who bought before they were referred, is flagged for a person with the evidence:
 * when they became known, how, by whom, and what they bought.
 *
 * A referral from the public side (the lead form, a checkout) must find nobody there before it.
 * One recorded by the business's own people or integrations gets an hour's grace: registering a
 * new customer and then their referral is one onboarding, two calls. By hand or not, naming a
 * long-known customer as someone's referral is for a second person to confirm.
 *
 * "Bought before" is measured from when the referral was recorded, not from the `referredAt` the
 * recorder may set (a date in 2020 would hide every purchase); only a historical import keeps its
 * own dates.
 */
const ONBOARDING_GRACE_MS = 60 * 60 * 1000;

function knownBeforeReferral(context: EligibilityContext): boolean {
  const { referral, customerHistory: history } = context;
  const gap = referral.createdAt.getTime() - history.knownSince.getTime();
  if (gap <= 0) return false;
  const fromPublicSide = referral.createdById === 'system';
  return fromPublicSide || gap >= ONBOARDING_GRACE_MS;
}

function laterOf(a: Date, b: Date): Date {
  return a > b ? a : b;
}

export const existingCustomer: Check = {
  type: 'existing_customer',
  label: 'New customer',
  excludable: false,
  evaluate(context) {
    const { referral, customerHistory: history, conversion } = context;
    const referredBy =
      referral.source === 'import' ? referral.referredAt : laterOf(referral.referredAt, referral.createdAt);
    const boughtBefore = history.earlierConversions.filter((sale) => sale.occurredAt < referredBy);
    // Through a link or a code, the sale this claim is for must also come after the referral.
    const thisSaleBefore =
      conversion !== null && SELF_SERVICE_SOURCES.has(referral.source) && conversion.occurredAt < referral.referredAt;
    const known = knownBeforeReferral(context);
    const evidence = {
      referredId: context.referred.id,
      knownSince: history.knownSince.toISOString(),
      knownVia: history.knownVia,
      knownBy: history.knownByName,
      referralSource: referral.source,
      referralRecordedAt: referral.createdAt.toISOString(),
      referredAt: referral.referredAt.toISOString(),
      earlierConversions: [
        ...(thisSaleBefore && conversion ? [{ ...conversion, reversals: undefined }] : []),
        ...boughtBefore,
      ].map((sale) => ({
        conversionId: sale.id,
        externalId: sale.externalId,
        source: sale.source,
        type: sale.type,
        amount: sale.amount,
        currency: sale.currency,
        occurredAt: sale.occurredAt.toISOString(),
      })),
    };
    if (!known && boughtBefore.length === 0 && !thisSaleBefore) {
      return { passed: true, reason: `${context.referred.name} became a customer through this referral.`, evidence };
    }
    const why = [
      known
        ? `was already known before this ${referral.source} referral (since ${history.knownSince.toISOString().slice(0, 16).replace('T', ' ')} UTC, via ${history.knownVia}${history.knownByName ? ` by ${history.knownByName}` : ''})`
        : null,
      boughtBefore.length > 0 || thisSaleBefore
        ? `bought before being referred (${evidence.earlierConversions
            .map((sale) => `${sale.type} ${sale.source}/${sale.externalId} on ${sale.occurredAt.slice(0, 10)}`)
            .join(', ')})`
        : null,
    ].filter(Boolean);
    return {
      passed: false,
      flag: 'existing_customer',
      reason: `${context.referred.name} ${why.join(' and ')}: confirm ${referral.referrerName} really brought them in.`,
      evidence,
    };
  },
};
