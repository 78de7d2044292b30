import { z } from 'zod';
import { EXCLUDABLE_CHECKS } from '../eligibility/eligibility.core.js';
import {
  AmountSchema,
  DateTimeSchema,
  IdSchema,
  NameSchema,
  ReasonSchema,
  TimestampSchema,
} from '../shared/schemas.js';

/**
 * Partner exceptions: a partner with a rule of its own (another commission or amount, a check
 * switched off). Each has an owner, a reason and an expiry; claims under one are flagged so a
 * person confirms it applies.
 */
export const ExceptionInputSchema = z
  .strictObject({
    participantId: IdSchema,
    commissionRateBps: z.int().min(0).max(10_000).optional(),
    amount: AmountSchema.optional(),
    excludedChecks: z
      .array(
        z.enum(EXCLUDABLE_CHECKS as [string, ...string[]], {
          error: `Must be one of ${EXCLUDABLE_CHECKS.join(', ')}.`,
        }),
      )
      .max(10)
      .default([]),
    owner: NameSchema.optional(),
    reason: ReasonSchema,
    expiresAt: DateTimeSchema,
  })
  .refine(
    (body) => body.commissionRateBps !== undefined || body.amount !== undefined || body.excludedChecks.length > 0,
    {
      message: 'An exception changes something: a commissionRateBps, an amount, or excludedChecks.',
      path: ['commissionRateBps'],
    },
  );

export const ExceptionSchema = z
  .object({
    id: z.string(),
    participantId: z.string(),
    commissionRateBps: z.number().nullable(),
    amount: z.number().nullable(),
    excludedChecks: z.array(z.string()),
    owner: z.string(),
    reason: z.string(),
    expiresAt: TimestampSchema,
    active: z.boolean(),
    revokedAt: TimestampSchema.nullable(),
    createdBy: z.string(),
    createdAt: TimestampSchema,
  })
  .meta({ id: 'PartnerException' });

export type ExceptionInput = z.infer<typeof ExceptionInputSchema>;
export type PartnerException = z.infer<typeof ExceptionSchema>;
