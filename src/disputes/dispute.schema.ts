import { z } from 'zod';
import { IdSchema, PageQuerySchema, ReasonSchema, TimestampSchema } from '../shared/schemas.js';

export const CompetingReferralSchema = z.object({
  referralId: z.string(),
  referrer: z.object({ id: z.string(), name: z.string(), kind: z.string() }),
  source: z.string(),
  referredAt: TimestampSchema,
  recordedBy: z.string(),
  evidence: z.record(z.string(), z.unknown()),
  clicks: z.array(
    z.object({
      id: z.string(),
      ip: z.string().nullable(),
      deviceId: z.string().nullable(),
      userAgent: z.string().nullable(),
      landedAt: TimestampSchema,
    }),
  ),
  isWinner: z.boolean(),
  isPayee: z.boolean(),
});

export const DisputeSchema = z
  .object({
    id: z.string(),
    status: z.enum(['open', 'resolved']),
    referred: z.object({ id: z.string(), name: z.string() }),
    rewardId: z.string().nullable(),
    reason: z.string(),
    openedBy: z.string(),
    competing: z.array(CompetingReferralSchema),
    winningReferralId: z.string().nullable(),
    resolution: z.string().nullable(),
    resolvedBy: z.string().nullable(),
    resolvedAt: TimestampSchema.nullable(),
    createdAt: TimestampSchema,
  })
  .meta({ id: 'Dispute' });

export const DisputeListQuerySchema = PageQuerySchema.extend({ status: z.enum(['open', 'resolved']).optional() });
export const DisputeParamsSchema = z.strictObject({ id: IdSchema });
export const OpenDisputeSchema = z.strictObject({ referredId: IdSchema, reason: ReasonSchema });
export const ResolveDisputeSchema = z.strictObject({ winningReferralId: IdSchema, reason: ReasonSchema });

export type Dispute = z.infer<typeof DisputeSchema>;
