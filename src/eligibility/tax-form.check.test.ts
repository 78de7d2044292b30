import { describe, expect, it } from 'vitest';
import { DEFAULT_RULES } from '../policy/rules.core.js';
import { taxForm } from './checks/tax-form.check.js';
import type { EligibilityContext, TaxFacts } from './eligibility.types.js';

const rules = { version: 1, ...DEFAULT_RULES };

function judge(tax: TaxFacts | undefined, overrides: Partial<typeof rules> = {}) {
  return taxForm.evaluate({ rules: { ...rules, ...overrides }, tax } as unknown as EligibilityContext);
}

const year = (totals: TaxFacts['totals'], claim: TaxFacts['claim'], form: TaxFacts['form'] = null): TaxFacts => ({
  year: 2026,
  form,
  totals,
  claim,
});

describe('the tax form check', () => {
  it('defaults to a 2,000 USD threshold over gift cards, commission shares and custom rewards', () => {
    expect(rules.taxThresholdAmount).toBe(200_000); // $2,000.00
    expect(rules.taxThresholdCurrency).toBe('USD');
    expect(rules.taxableRewardTypes).toEqual(['gift_card', 'commission_share', 'custom']);
  });

  it.each([
    // paid, claimed before, this claim → flagged?
    [150_000, 0, 49_999, false], // $1,999.99 in the year: under
    [150_000, 0, 50_000, true], // exactly $2,000.00: reaches the threshold
    [100_000, 60_000, 40_000, true], // open claims count too
    [0, 0, 250_000, true], // one claim past it on its own
  ])('paid %i, claimed %i, this claim %i → flagged %s', (paid, claimed, amount, flagged) => {
    const outcome = judge(
      year([{ rewardType: 'gift_card', currency: 'USD', paid, claimed }], {
        amount,
        currency: 'USD',
        rewardType: 'commission_share',
      }),
    );
    expect(outcome.passed).toBe(!flagged);
    expect(outcome.flag).toBe(flagged ? 'tax_form_missing' : undefined);
  });

  it('passes a payee with a form on file, whatever the total', () => {
    const outcome = judge(
      year(
        [{ rewardType: 'gift_card', currency: 'USD', paid: 900_000, claimed: 0 }],
        {
          amount: 50_000,
          currency: 'USD',
          rewardType: 'gift_card',
        },
        { type: 'W-9', receivedAt: new Date('2026-02-01T00:00:00Z') },
      ),
    );
    expect(outcome).toMatchObject({ passed: true, reason: expect.stringContaining('W-9 is on file') });
  });

  it('leaves out reward types that are not taxable, and other currencies', () => {
    const big = { paid: 900_000, claimed: 0 };
    expect(
      judge(
        year([{ rewardType: 'account_credit', currency: 'USD', ...big }], {
          amount: 10_000,
          currency: 'USD',
          rewardType: 'gift_card',
        }),
      ).passed,
    ).toBe(true);
    expect(judge(year([], { amount: 900_000, currency: 'USD', rewardType: 'account_credit' })).passed).toBe(true);
    expect(
      judge(
        year([{ rewardType: 'gift_card', currency: 'EUR', ...big }], {
          amount: 900_000,
          currency: 'EUR',
          rewardType: 'gift_card',
        }),
      ).passed,
    ).toBe(true);
  });

  it('follows the program rules: a lower threshold and credits made taxable', () => {
    const outcome = judge(year([], { amount: 70_000, currency: 'USD', rewardType: 'account_credit' }), {
      taxThresholdAmount: 60_000,
      taxableRewardTypes: ['account_credit'],
    });
    expect(outcome.flag).toBe('tax_form_missing');
  });

  it('is not evaluated when the facts were not loaded', () => {
    expect(judge(undefined).passed).toBe(true);
  });
});
