import { canonicalJson } from '../shared/canonical.js';

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

/**
 * Of the flags a re-check found, those to add: flags never vanish, so a type still open is not
 * raised twice, and one a person resolved comes back only when its evidence changed.
 */
export function freshFlags<T extends { type: FlagType; evidence: unknown }>(
  found: T[],
  existing: { type: FlagType; evidence: unknown; resolvedAt: Date | null }[],
): T[] {
  return found.filter((flag) => {
    const sameType = existing.filter((row) => row.type === flag.type);
    if (sameType.some((row) => row.resolvedAt === null)) return false;
    return !sameType.some((row) => canonicalJson(row.evidence) === canonicalJson(flag.evidence));
  });
}
