/** What a check can raise on a claim, and what the checks recommend; the database enums are built from these. */
export const FLAG_TYPES = [
  'self_referral',
  'duplicate_claim',
  'disputed_attribution',
  'partner_exception',
  'velocity',
  'disposable_email',
  'refunded',
  'existing_customer',
  'tax_form_missing',
] as const;
export type FlagType = (typeof FLAG_TYPES)[number];

export const RECOMMENDATIONS = ['eligible', 'needs_review', 'ineligible'] as const;
export type Recommendation = (typeof RECOMMENDATIONS)[number];
