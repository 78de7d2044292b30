import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PolicyTerms } from '../policy/policy.core.js';
import { CURRENCY_CODES, formatMoney, MAX_AMOUNT_MINOR, minorUnits } from '../shared/currency.js';
import { commissionShare, computeRewardAmount, selectTier } from './reward-amount.core.js';

const amount = fc.integer({ min: 0, max: MAX_AMOUNT_MINOR });
const rate = fc.integer({ min: 0, max: 10_000 });

const policy = (overrides: Partial<PolicyTerms> = {}): PolicyTerms => ({
  version: 1,
  rewardType: 'gift_card',
  amount: 2500,
  currency: 'USD',
  commissionRateBps: null,
  discountPercent: null,
  description: null,
  provider: null,
  tiers: [],
  ...overrides,
});

describe('commission share (basis points, rounded half up)', () => {
  it.each([
    [123_456, 1000, 12_346], // 10% of $1,234.56 = $123.456 → $123.46
    [12_345, 1000, 1235], // $12.345 → $12.35: a tie rounds up
    [12_344, 1000, 1234], // $12.344 → $12.34
    [1, 4999, 0], // 0.4999 of a cent → 0
    [1, 5000, 1], // half a cent → 1
    [99, 10_000, 99], // 100% is the whole amount
    [MAX_AMOUNT_MINOR, 3333, 333_300_000_000], // $10bn × 33.33%, exact in BigInt
    [MAX_AMOUNT_MINOR, 10_000, MAX_AMOUNT_MINOR],
  ])('%i at %i bps is %i', (base, bps, expected) => {
    expect(commissionShare(base, bps)).toBe(expected);
  });

  it('is within half a minor unit of the exact share, and a tie goes up', () => {
    fc.assert(
      fc.property(amount, rate, (a, r) => {
        const share = BigInt(commissionShare(a, r));
        const exactTimes10k = BigInt(a) * BigInt(r);
        const error = share * 10_000n - exactTimes10k; // in 1/10000ths of a minor unit
        expect(error >= -5000n && error <= 5000n).toBe(true);
        if (exactTimes10k % 10_000n === 5000n) expect(error).toBe(5000n);
        if (error === -5000n) expect.unreachable('half-up never rounds a tie down');
      }),
    );
  });

  it('never exceeds the base amount, is never negative, and grows with amount and rate', () => {
    fc.assert(
      fc.property(amount, amount, rate, rate, (a, b, r, s) => {
        const share = commissionShare(a, r);
        expect(Number.isSafeInteger(share)).toBe(true);
        expect(share).toBeGreaterThanOrEqual(0);
        expect(share).toBeLessThanOrEqual(a);
        if (a <= b) expect(commissionShare(a, r)).toBeLessThanOrEqual(commissionShare(b, r));
        if (r <= s) expect(commissionShare(a, r)).toBeLessThanOrEqual(commissionShare(a, s));
      }),
    );
  });

  it('refuses fractional or negative amounts and rates outside 0–100%', () => {
    expect(() => commissionShare(1.5, 100)).toThrow(RangeError);
    expect(() => commissionShare(-1, 100)).toThrow(RangeError);
    expect(() => commissionShare(100, 10_001)).toThrow(RangeError);
  });
});

describe('tiers by the referrer’s ordinal', () => {
  const tiers = [
    { fromReferral: 1, amount: 2500 },
    { fromReferral: 3, amount: 5000 },
    { fromReferral: 5, amount: 10_000 },
  ];

  it.each([
    [1, 2500],
    [2, 2500],
    [3, 5000],
    [4, 5000],
    [5, 10_000],
    [50, 10_000],
  ])('the %i. converted referral earns %i', (n, expected) => {
    const result = computeRewardAmount({
      policy: policy({ tiers }),
      ordinal: n,
      conversion: { amount: 1, currency: 'USD' },
    });
    expect(result.amount).toBe(expected);
  });

  it('writes the tier out: "tier from 3rd referral: 5000 USD"', () => {
    const result = computeRewardAmount({
      policy: policy({ tiers }),
      ordinal: 3,
      conversion: { amount: 1, currency: 'USD' },
    });
    expect(result.calculation).toBe('3rd converted referral; tier from 3rd referral: 5000 USD (50.00 USD)');
  });

  it('picks the last tier starting at or before the ordinal, whatever order tiers are listed in', () => {
    const tierList = fc
      .uniqueArray(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 8 })
      .map((starts) => starts.map((fromReferral) => ({ fromReferral, amount: fromReferral * 100 })));
    fc.assert(
      fc.property(tierList, fc.integer({ min: 1, max: 60 }), (list, n) => {
        const chosen = selectTier(list, n);
        const eligible = list.filter((tier) => tier.fromReferral <= n);
        if (eligible.length === 0) {
          expect(chosen).toBeUndefined();
          expect(
            computeRewardAmount({
              policy: policy({ tiers: list }),
              ordinal: n,
              conversion: { amount: 1, currency: 'USD' },
            }).amount,
          ).toBe(2500);
        } else {
          expect(chosen?.fromReferral).toBe(Math.max(...eligible.map((tier) => tier.fromReferral)));
        }
      }),
    );
  });

  it('applies commission tiers for commission share', () => {
    const result = computeRewardAmount({
      policy: policy({
        rewardType: 'commission_share',
        commissionRateBps: 1000,
        tiers: [{ fromReferral: 2, commissionRateBps: 1500 }],
      }),
      ordinal: 2,
      conversion: { amount: 123_456, currency: 'EUR' },
    });
    expect(result).toMatchObject({ amount: 18_518, currency: 'EUR' });
    expect(result.calculation).toBe(
      'tier from 2nd referral: 15%; 15% of 123456 = 18518 (1,234.56 EUR → 185.18 EUR, rounded half up)',
    );
  });
});

describe('reward types', () => {
  it('pays commission in the conversion’s currency: "10% of 123456 = 12346"', () => {
    const result = computeRewardAmount({
      policy: policy({ rewardType: 'commission_share', commissionRateBps: 1000 }),
      ordinal: 1,
      conversion: { amount: 123_456, currency: 'USD' },
    });
    expect(result.amount).toBe(12_346);
    expect(result.calculation).toContain('10% of 123456 = 12346');
    expect(result.summary).toBe('Commission share, 123.46 USD');
  });

  it('lets a partner exception override the rate and says so', () => {
    const result = computeRewardAmount({
      policy: policy({ rewardType: 'commission_share', commissionRateBps: 1000 }),
      ordinal: 1,
      conversion: { amount: 200_000, currency: 'USD' },
      override: { id: 'exc_1', commissionRateBps: 2000 },
    });
    expect(result.amount).toBe(40_000);
    expect(result.calculation).toContain('partner exception exc_1: 20%');
  });

  it('describes percent discount codes and custom rewards without inventing cash', () => {
    expect(
      computeRewardAmount({
        policy: policy({ rewardType: 'discount_code', amount: 0, discountPercent: 20 }),
        ordinal: 1,
        conversion: { amount: 9, currency: 'USD' },
      }),
    ).toMatchObject({ amount: 0, summary: 'Discount code, 20% off' });
    expect(
      computeRewardAmount({
        policy: policy({ rewardType: 'custom', amount: 0, description: 'Dinner for two' }),
        ordinal: 1,
        conversion: { amount: 9, currency: 'USD' },
      }),
    ).toMatchObject({ amount: 0, summary: 'Custom reward: Dinner for two' });
  });
});

describe('money formatting across 0, 2 and 3 decimal currencies', () => {
  it.each([
    [2500, 'USD', '25.00 USD'],
    [2500, 'JPY', '2,500 JPY'],
    [2500, 'KWD', '2.500 KWD'],
    [5, 'USD', '0.05 USD'],
    [5, 'BHD', '0.005 BHD'],
    [123_456_789, 'EUR', '1,234,567.89 EUR'],
  ])('%i %s is %s', (value, currency, text) => {
    expect(formatMoney(value, currency)).toBe(text);
  });

  it('shows exactly the minor units back for every currency and amount', () => {
    fc.assert(
      fc.property(amount, fc.constantFrom(...CURRENCY_CODES), (a, currency) => {
        const text = formatMoney(a, currency);
        const digits = minorUnits(currency);
        const numeric = text.replace(` ${currency}`, '').replaceAll(',', '');
        const [whole, fraction = ''] = numeric.split('.');
        expect(fraction.length).toBe(digits);
        expect(BigInt(`${whole}${fraction}`)).toBe(BigInt(a));
      }),
    );
  });
});
