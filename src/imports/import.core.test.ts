import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CURRENCY_CODES, decimalAmount, MAX_AMOUNT_MINOR, minorUnits } from '../shared/currency.js';
import { parseMajorUnits, readHeader } from './import.core.js';

const currency = fc.constantFrom(...CURRENCY_CODES);
const amount = fc.integer({ min: 0, max: MAX_AMOUNT_MINOR });

describe('money in major units', () => {
  it('round-trips: the decimal text of any amount reads back as the same minor units, for every currency exponent', () => {
    fc.assert(
      fc.property(currency, amount, fc.boolean(), (code, minor, grouped) => {
        expect(parseMajorUnits(decimalAmount(minor, code, { grouped }), code)).toEqual({ ok: true, minor });
      }),
      { numRuns: 2000 },
    );
  });

  it('reads fewer decimals than the currency has as the same amount padded (1500.5 USD = 1500.50)', () => {
    fc.assert(
      fc.property(
        currency.filter((code) => minorUnits(code) > 0),
        fc.integer({ min: 0, max: 1_000_000 }),
        (code, whole) => {
          const digits = minorUnits(code);
          expect(parseMajorUnits(String(whole), code)).toEqual({ ok: true, minor: whole * 10 ** digits });
          expect(parseMajorUnits(`${whole}.5`, code)).toEqual({
            ok: true,
            minor: whole * 10 ** digits + 5 * 10 ** (digits - 1),
          });
        },
      ),
    );
  });

  it('refuses more decimals than the currency has, even zeros', () => {
    fc.assert(
      fc.property(
        currency,
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 0, max: 9 }),
        (code, whole, last) => {
          const text = `${whole}.${'0'.repeat(minorUnits(code))}${last}`;
          expect(parseMajorUnits(text, code).ok).toBe(false);
        },
      ),
    );
  });

  it.each([
    ['1500.00', 'USD', 150000], // $1,500.00
    ['1500', 'JPY', 1500], // ¥1,500
    ['1,234.56', 'USD', 123456], // $1,234.56
    ['0.005', 'KWD', 5], // 0.005 KWD
    [' 25 ', 'EUR', 2500], // €25.00
    ['-5.00', 'USD', -500], // negative: read, then refused by the API's AmountSchema
  ])('reads %s %s as %d minor units', (text, code, minor) => {
    expect(parseMajorUnits(text, code)).toEqual({ ok: true, minor });
  });

  it.each(['1.500,00', '1,50', '$15', '15.', '.5', '1e3', '12,34,567', '', 'abc', '0x10'])('refuses %j', (text) => {
    expect(parseMajorUnits(text, 'USD').ok).toBe(false);
  });
});

describe('the header', () => {
  it('names every unknown or repeated column, and the required ones missing', () => {
    const read = readHeader('conversions', ['externalId', 'type', 'amout', 'type', 'currency']);
    expect(read).toEqual({
      problems: [
        expect.objectContaining({ field: 'amout' }),
        { field: 'type', message: 'Appears twice in the header.' },
        { field: 'amount', message: 'The header needs one of `amount`, `amountMinor`.' },
      ],
    });
  });

  it('takes the API field names, nested ones dotted', () => {
    expect('header' in readHeader('participants', ['name', 'email', 'signals.ip', 'paymentFingerprint'])).toBe(true);
    expect(
      'header' in readHeader('referrals', ['referrerEmail', 'referredExternalId', 'evidence.note', 'source']),
    ).toBe(true);
  });
});
