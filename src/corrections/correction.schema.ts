import { z } from 'zod';
import { ReasonSchema, TimestampSchema } from '../shared/schemas.js';

export const VoidReferralInputSchema = z.strictObject({
  reason: ReasonSchema.meta({ description: 'Why the referral was wrong: kept with it and on its reward.' }),
});

export const VoidReferralResultSchema = z
  .object({
    referralId: z.string(),
    voidedAt: TimestampSchema,
    voidedBy: z.string(),
    reason: z.string(),
    rewards: z.array(
      z.object({ id: z.string(), outcome: z.enum(['reversed', 'reversed_after_payment', 'already_closed']) }),
    ),
    dispute: z.object({ id: z.string(), outcome: z.enum(['decided', 'rechecked']) }).nullable(),
  })
  .meta({ id: 'VoidedReferral' });
