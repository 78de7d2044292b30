import { z } from 'zod';
import { IdSchema, TimestampSchema, text } from '../shared/schemas.js';
import { DISCOUNT_CODE_SOURCES, DISCOUNT_CODE_VIEW_STATUSES } from './discount-code.core.js';

/** The discount codes' contract: the pool (upload, counts), a participant's codes, redeeming. */
export const DiscountCodeSchema = z
  .object({
    code: z.string(),
    source: z.enum(DISCOUNT_CODE_SOURCES),
    status: z.enum(DISCOUNT_CODE_VIEW_STATUSES).meta({
      description: 'void: the reward was reversed, declined or rejected, and the code can no longer be redeemed.',
    }),
    rewardId: z.string().nullable(),
    participantId: z.string().nullable(),
    expiresAt: TimestampSchema.nullable(),
    issuedAt: TimestampSchema.nullable(),
    redeemedAt: TimestampSchema.nullable(),
    redeemedReference: z.string().nullable(),
  })
  .meta({ id: 'DiscountCode' });

export const CodePoolSchema = z
  .object({
    available: z.number().meta({ description: 'Pool codes not yet given to a reward (expired ones included).' }),
    issuedFromPool: z.number(),
    redeemed: z.number(),
    waitingRewards: z.number().meta({ description: 'Approved discount-code rewards waiting for a code.' }),
  })
  .meta({ id: 'CodePool' });

export const PoolUploadResultSchema = CodePoolSchema.extend({
  added: z.number(),
  assigned: z.number().meta({ description: 'Waiting rewards that got a code from this upload.' }),
}).meta({ id: 'PoolUploadResult' });

export const PoolUploadBodySchema = z
  .string()
  .max(5 * 1024 * 1024)
  .meta({ description: 'text/csv: one code a line, optionally `,` and an expiry date (2026-12-31).' });

export const CodeParamsSchema = z.strictObject({ code: text(64, 1) });
export const ParticipantCodesParamsSchema = z.strictObject({ id: IdSchema });
export const RedeemCodeSchema = z
  .strictObject({ reference: text(200, 1).meta({ description: 'The order or invoice the code was used on.' }) })
  .meta({ id: 'RedeemCode' });
export const ParticipantCodesSchema = z.object({ codes: z.array(DiscountCodeSchema) }).meta({ id: 'ParticipantCodes' });

export type DiscountCode = z.infer<typeof DiscountCodeSchema>;
