/**
 * Building blocks of the API contract. Every request schema is strict (unknown fields are
 * refused), every string has a length bound, every amount is an integer in minor units.
 */
import { z } from 'zod';
import { isCurrency, MAX_AMOUNT_MINOR } from './currency.js';

/**
 * Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): they make a
 * name display differently from what it is ("Jane" that reads as another person's name), so no
 * free text takes them. Ordinary right-to-left text needs none of them.
 */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/;

/** Text PostgreSQL can store and people can read: no NUL, no lone UTF-16 surrogates, no bidi controls. */
export function text(max: number, min = 0) {
  return z
    .string()
    .trim()
    .min(min, min === 1 ? 'Must not be empty.' : `Must be at least ${min} characters.`)
    .max(max, `Must be at most ${max} characters.`)
    .refine((value) => !value.includes('\u0000'), 'Must not contain NUL characters.')
    .refine((value) => value.isWellFormed(), 'Must be valid Unicode (no lone surrogates).')
    .refine(
      (value) => !BIDI_CONTROLS.test(value),
      'Must not contain bidirectional control characters (U+202A–U+202E, U+2066–U+2069).',
    );
}

export const NameSchema = text(200, 1);
export const NoteSchema = text(2000);
export const ReasonSchema = text(2000, 1);

export const AmountSchema = z
  .number({ error: 'Must be a number of minor units (e.g. 2500 for 25.00 USD).' })
  .int('Must be a whole number of minor units (e.g. 2500 for 25.00 USD), not a fraction.')
  .min(0, 'Must not be negative.')
  .max(MAX_AMOUNT_MINOR, `Must be at most ${MAX_AMOUNT_MINOR} minor units.`)
  .meta({ description: 'Integer amount in minor units of the currency (2500 = 25.00 USD).' });

export const CurrencySchema = z
  .string()
  .regex(/^[A-Z]{3}$/, 'Must be a three-letter ISO 4217 code in capitals, e.g. USD.')
  .refine(isCurrency, 'Is not an ISO 4217 currency in circulation.')
  .meta({ description: 'ISO 4217 currency code.', examples: ['USD', 'EUR', 'JPY', 'KWD'] });

export const IdSchema = z.string().min(1).max(64);

export const EmailSchema = z
  .string()
  .trim()
  .max(254, 'Must be at most 254 characters.')
  .pipe(z.email('Must be an email address.'));

const EARLIEST = Date.parse('2000-01-01T00:00:00Z');
const LATEST = Date.parse('2100-01-01T00:00:00Z');
const DAY_MS = 86_400_000;

/**
 * A date-time from 2000 to 2099. Nothing Rewardloop records is older than 2000 (and years
 * before 100 do not survive the round trip through PostgreSQL's text format), nor planned past 2099.
 */
export const DateTimeSchema = z.iso
  .datetime({ offset: true, error: 'Must be an ISO 8601 date-time, e.g. 2026-05-01T12:00:00Z.' })
  .refine((value) => {
    const at = Date.parse(value);
    return at >= EARLIEST && at < LATEST;
  }, 'Must be from 2000-01-01 to 2099-12-31.');

/**
 * When something happened (a conversion, a referral), as the client says: from 2000-01-01 to a
 * day ahead of now (clocks of other systems drift; a day is plenty).
 */
export const EventTimeSchema = z.iso
  .datetime({ offset: true, error: 'Must be an ISO 8601 date-time, e.g. 2026-05-01T12:00:00Z.' })
  .refine((value) => Date.parse(value) >= EARLIEST, 'Must be on or after 2000-01-01.')
  .refine((value) => Date.parse(value) <= Date.now() + DAY_MS, 'Must not be more than a day in the future.');

/** Output timestamps: always UTC ISO strings. */
export const TimestampSchema = z.string().meta({ format: 'date-time' });

export const PageQuerySchema = z.strictObject({
  limit: z.coerce
    .number({ error: 'Must be a number from 1 to 100.' })
    .int('Must be a whole number from 1 to 100.')
    .min(1, 'Must be at least 1.')
    .max(100, 'Must be at most 100.')
    .default(25),
  cursor: z.string().max(200).optional(),
});

export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}
