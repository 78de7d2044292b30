/**
 * The credit ledger's decisions: what a redemption may take and how a reversal of an issued
 * credit splits into what is taken back and what was already spent. The database keeps the
 * balance (credit_balances, moved only by credit_entries' trigger, never below zero); these
 * say what to ask of it and what to answer.
 */
export const CREDIT_ENTRY_KINDS = ['issued', 'redeemed', 'reversed'] as const;
export type CreditEntryKind = (typeof CREDIT_ENTRY_KINDS)[number];

/** How an entry moves the balance: issued adds, redeemed and reversed take away. */
export function signedAmount(entry: { kind: CreditEntryKind; amount: number }): number {
  return entry.kind === 'issued' ? entry.amount : -entry.amount;
}

/** A balance is the sum of its entries, per currency. */
export function balancesOf(entries: readonly { kind: CreditEntryKind; amount: number; currency: string }[]) {
  const totals = new Map<string, number>();
  for (const entry of entries) totals.set(entry.currency, (totals.get(entry.currency) ?? 0) + signedAmount(entry));
  return [...totals.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, amount]) => ({ currency, amount }));
}

export type RedemptionDecision = { ok: true; balanceAfter: number } | { ok: false; balance: number; short: number };

/** A redemption takes at most what is there; one more minor unit is refused, nothing is taken. */
export function decideRedemption(balance: number, amount: number): RedemptionDecision {
  if (amount <= balance) return { ok: true, balanceAfter: balance - amount };
  return { ok: false, balance, short: amount - balance };
}

/**
 * A reversed credit (its sale refunded after it was issued): the balance cannot say which credit
 * was spent, so what is left of it counts as this credit's first. Taken back: the credit or the
 * balance, whichever is less; owed (a recovery task): what was already spent of it.
 */
export function splitReversal(creditAmount: number, balance: number): { takeBack: number; owed: number } {
  const takeBack = Math.max(0, Math.min(creditAmount, balance));
  return { takeBack, owed: creditAmount - takeBack };
}
