/**
 * The credit ledger's decisions: balances from entries, what a redemption may take, and how a
 * reversal of an issued credit splits into what is taken back and what was already used.
 */
export const CREDIT_ENTRY_KINDS = ['issued', 'redeemed', 'reversed'] as const;
export type CreditEntryKind = (typeof CREDIT_ENTRY_KINDS)[number];
