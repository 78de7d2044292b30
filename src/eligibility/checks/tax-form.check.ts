import { formatMoney } from '../../shared/currency.js';
import type { Check } from '../eligibility.types.js';

/**
 * A payee without a tax form on file whom this claim takes to the program's tax threshold in its
 * calendar year (paid-out rewards of the taxable types, paid or still claimed): flagged, so the
 * claim waits for finance to record the form (W-9 or W-8BEN) and resolve the flag. Only amounts
 * in the threshold's currency are compared.
 */
export const taxForm: Check = {
  type: 'tax_form',
  label: 'Tax form',
  excludable: false,
  evaluate({ tax, rules }) {
    const taxable = (type: string) => (rules.taxableRewardTypes as readonly string[]).includes(type);
    const threshold = { amount: rules.taxThresholdAmount, currency: rules.taxThresholdCurrency };
    if (!tax?.claim) {
      return { passed: true, reason: 'Not evaluated: the payee’s year totals were not loaded.', evidence: {} };
    }
    const { claim } = tax;
    const evidence: Record<string, unknown> = {
      year: tax.year,
      threshold,
      taxableRewardTypes: rules.taxableRewardTypes,
      claim,
    };
    if (!taxable(claim.rewardType)) {
      return {
        passed: true,
        reason: `A ${claim.rewardType.replaceAll('_', ' ')} does not count toward the tax threshold.`,
        evidence,
      };
    }
    if (claim.currency !== threshold.currency) {
      return {
        passed: true,
        reason: `This claim is in ${claim.currency}; the tax threshold is in ${threshold.currency}, so it is not compared.`,
        evidence,
      };
    }
    const counted = tax.totals.filter((row) => row.currency === threshold.currency && taxable(row.rewardType));
    const paid = counted.reduce((sum, row) => sum + row.paid, 0);
    const claimed = counted.reduce((sum, row) => sum + row.claimed, 0);
    const after = paid + claimed + claim.amount;
    Object.assign(evidence, { paid, claimed, withThisClaim: after, form: tax.form });
    if (tax.form) {
      return {
        passed: true,
        reason: `A ${tax.form.type} is on file (received ${tax.form.receivedAt.toISOString().slice(0, 10)}).`,
        evidence: { ...evidence, form: { type: tax.form.type, receivedAt: tax.form.receivedAt.toISOString() } },
      };
    }
    const words = `${formatMoney(after, threshold.currency)} in ${tax.year}`;
    if (after < threshold.amount) {
      return {
        passed: true,
        reason: `With this claim the payee has ${words}, under the ${formatMoney(threshold.amount, threshold.currency)} tax threshold.`,
        evidence,
      };
    }
    return {
      passed: false,
      flag: 'tax_form_missing',
      reason: `With this claim the payee reaches ${words} (${formatMoney(paid, threshold.currency)} paid, ${formatMoney(claimed, threshold.currency)} claimed before it), at or over the ${formatMoney(threshold.amount, threshold.currency)} tax threshold, and no tax form is on file: record the form before paying.`,
      evidence,
    };
  },
};
