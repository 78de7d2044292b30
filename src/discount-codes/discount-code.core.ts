/**
 * Discount codes as decisions: generating an unguessable code, reading an uploaded pool, and
 * whether a code may be redeemed.
 */
export const DISCOUNT_CODE_STATUSES = ['available', 'issued', 'redeemed'] as const;
export type DiscountCodeStatus = (typeof DISCOUNT_CODE_STATUSES)[number];

export const DISCOUNT_CODE_SOURCES = ['generated', 'pool'] as const;
export type DiscountCodeSource = (typeof DISCOUNT_CODE_SOURCES)[number];
