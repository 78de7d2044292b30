/**
 * Tax flags, the pure part: the forms a payee can have on file, the default threshold, and each
 * payee's year in the tax report. (The claim-time check is eligibility/checks/tax-form.check.ts.)
 */

/** Never a tax id: only which form was received, and when. */
export const TAX_FORM_TYPES = ['W-9', 'W-8BEN', 'other'] as const;
export type TaxFormType = (typeof TAX_FORM_TYPES)[number];

/**
 * The US information-return (1099) threshold for payments made from 2026 is 2,000 USD a payee a
 * year (it was 600 before): the default, in minor units.
 */
export const DEFAULT_TAX_THRESHOLD = { amount: 200_000, currency: 'USD' } as const;

/** Paid-out rewards count toward it by default; codes and credits are not payments. */
export const DEFAULT_TAXABLE_REWARD_TYPES = ['gift_card', 'commission_share', 'custom'] as const;

export interface TaxReportRow {
  participantId: string;
  name: string;
  email: string | null;
  paidTotal: number;
  paidCount: number;
  taxForm: { type: TaxFormType; receivedAt: string } | null;
  overThreshold: boolean;
  /** Over the threshold without a form: what finance must chase. */
  formMissing: boolean;
}

export function taxReportRow(input: {
  participantId: string;
  name: string;
  email: string | null;
  paidTotal: number;
  paidCount: number;
  formType: TaxFormType | null;
  formReceivedAt: Date | null;
  threshold: number;
}): TaxReportRow {
  const overThreshold = input.paidTotal >= input.threshold;
  const taxForm =
    input.formType && input.formReceivedAt
      ? { type: input.formType, receivedAt: input.formReceivedAt.toISOString() }
      : null;
  return {
    participantId: input.participantId,
    name: input.name,
    email: input.email,
    paidTotal: input.paidTotal,
    paidCount: input.paidCount,
    taxForm,
    overThreshold,
    formMissing: overThreshold && !taxForm,
  };
}

/** The UTC calendar year [start, end) a tax year covers. */
export function taxYearBounds(year: number): { start: Date; end: Date } {
  return { start: new Date(Date.UTC(year, 0, 1)), end: new Date(Date.UTC(year + 1, 0, 1)) };
}
