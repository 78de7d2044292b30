import { z } from 'zod';
import { AmountSchema, CurrencySchema, EventTimeSchema, IdSchema, text } from '../shared/schemas.js';
import { CONVERSION_TYPES } from '../shared/vocabulary.js';

/**
 * A conversion as a CRM, billing system or person sends it. Kept apart from conversion.schema.ts
 * (the results, which carry rewards) so the web app's form checks with it without importing the
 * rewards feature, whose front door also exports the database.
 */
const REVERSALS = ['refund', 'chargeback'];

export const ConversionInputSchema = z
  .strictObject({
    externalId: text(200, 1).meta({
      description: 'The event id in your CRM or billing system; with `source`, it makes the event idempotent.',
    }),
    source: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9_.-]{0,63}$/,
        'Must be 1–64 lowercase letters, digits, dots, dashes or underscores (e.g. hubspot).',
      )
      .optional(),
    type: z.enum(CONVERSION_TYPES),
    referredId: IdSchema.optional(),
    referredExternalId: text(200, 1).optional(),
    amount: AmountSchema,
    currency: CurrencySchema,
    occurredAt: EventTimeSchema.optional(),
    originalExternalId: text(200, 1).optional(),
    paymentFingerprint: text(200, 1).optional(),
  })
  .superRefine((event, ctx) => {
    const reversal = REVERSALS.includes(event.type);
    if (!reversal && !event.referredId && !event.referredExternalId) {
      ctx.addIssue({
        code: 'custom',
        path: ['referredId'],
        message: 'Name the referred customer: referredId or referredExternalId.',
      });
    }
    if (reversal && !event.originalExternalId && !event.referredId && !event.referredExternalId) {
      ctx.addIssue({
        code: 'custom',
        path: ['originalExternalId'],
        message: 'A refund or chargeback names the conversion it reverses (originalExternalId) or the customer.',
      });
    }
    if (!reversal && event.originalExternalId) {
      ctx.addIssue({
        code: 'custom',
        path: ['originalExternalId'],
        message: 'Only refunds and chargebacks reverse another conversion.',
      });
    }
  });
