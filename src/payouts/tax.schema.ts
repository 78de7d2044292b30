import { z } from 'zod';
import { DateTimeSchema, TimestampSchema } from '../shared/schemas.js';
import { TAX_FORM_TYPES } from './tax.core.js';

export const TaxFormInputSchema = z.strictObject({
  /** Which form was received; never the tax id (Rewardloop does not keep tax ids). */
  type: z.enum(TAX_FORM_TYPES),
  receivedAt: DateTimeSchema,
});

export const TaxFormSchema = z
  .object({ type: z.enum(TAX_FORM_TYPES), receivedAt: TimestampSchema })
  .nullable()
  .meta({ id: 'TaxForm' });

export const TaxReportQuerySchema = z.strictObject({
  year: z.coerce
    .number({ error: 'Must be a year, e.g. 2026.' })
    .int('Must be a whole year, e.g. 2026.')
    .min(2000, 'Must be 2000 or later.')
    .max(2100, 'Must be 2100 or earlier.'),
});

export const TaxReportSchema = z
  .object({
    year: z.number(),
    threshold: z.object({ amount: z.number(), currency: z.string() }),
    taxableRewardTypes: z.array(z.string()),
    payees: z.array(
      z.object({
        participantId: z.string(),
        name: z.string(),
        email: z.string().nullable(),
        paidTotal: z.number(),
        paidCount: z.number(),
        taxForm: TaxFormSchema,
        overThreshold: z.boolean(),
        formMissing: z.boolean(),
      }),
    ),
  })
  .meta({ id: 'TaxReport' });

const MoneySchema = z.object({ currency: z.string(), amount: z.number() });

export const ParticipantPayoutsSchema = z
  .object({
    taxForm: TaxFormSchema,
    /** This calendar year's paid-out rewards, per currency. */
    paidThisYear: z.array(MoneySchema),
    lifetimeValue: z.array(
      z.object({
        currency: z.string(),
        referredRevenue: z.number(),
        refunded: z.number(),
        rewardsPaid: z.number(),
        /** Referred revenue net of refunds, minus rewards paid. */
        value: z.number(),
      }),
    ),
  })
  .meta({ id: 'ParticipantPayouts' });

export const PayoutMeasuresQuerySchema = z.strictObject({
  months: z.coerce.number().int('Must be a whole number of months.').min(1).max(36).default(12),
});

export const PayoutMeasuresSchema = z
  .object({
    since: TimestampSchema,
    /** Approved → paid, median hours per month the rewards were paid. */
    payoutTime: z.array(z.object({ month: z.string(), medianHours: z.number().nullable(), rewards: z.number() })),
    costByRewardType: z.array(
      z.object({
        rewardType: z.string(),
        currency: z.string(),
        paid: z.number(),
        paidCount: z.number(),
        approvedUnpaid: z.number(),
      }),
    ),
  })
  .meta({ id: 'PayoutMeasures' });

export type TaxReport = z.infer<typeof TaxReportSchema>;
export type ParticipantPayouts = z.infer<typeof ParticipantPayoutsSchema>;
