import { z } from 'zod';
import { EventTimeSchema, IdSchema, PageQuerySchema, TimestampSchema, text } from '../shared/schemas.js';

export const REFERRAL_SOURCES = ['link', 'code', 'manual', 'import'] as const;

export const EvidenceSchema = z
  .strictObject({
    note: text(2000).optional(),
    ip: z.union([z.ipv4(), z.ipv6()], { error: 'Must be an IPv4 or IPv6 address.' }).optional(),
    deviceId: text(200, 1).optional(),
    userAgent: text(500).optional(),
    url: text(2000).optional(),
    clickId: IdSchema.optional(),
    form: z
      .record(text(100, 1), text(2000))
      .refine((form) => Object.keys(form).length <= 50, 'At most 50 form fields.')
      .optional(),
  })
  .meta({
    id: 'ReferralEvidence',
    description: 'What shows this person referred that one: a note ("she said Jessica sent her"), link click, form.',
  });

export const ReferralCreateSchema = z
  .strictObject({
    referrerId: IdSchema,
    referredId: IdSchema,
    source: z.enum(REFERRAL_SOURCES),
    evidence: EvidenceSchema.optional(),
    referredAt: EventTimeSchema.optional(),
  })
  .refine((body) => body.referrerId !== body.referredId, {
    message: 'A participant cannot refer themselves.',
    path: ['referredId'],
  });

export const ReferralSchema = z
  .object({
    id: z.string(),
    referrer: z.object({ id: z.string(), name: z.string() }),
    referred: z.object({ id: z.string(), name: z.string() }),
    source: z.enum(REFERRAL_SOURCES),
    evidence: z.record(z.string(), z.unknown()),
    referredAt: TimestampSchema,
    recordedBy: z.string(),
    createdAt: TimestampSchema,
    /** NONE while no conversion made a claim; otherwise the claim's status. */
    rewardStatus: z.string(),
    rewardId: z.string().nullable(),
    /** Set when the referral was voided (DELETE /v1/referrals/{id}): it counts for nothing since. */
    voided: z.object({ at: TimestampSchema, by: z.string(), reason: z.string() }).nullable(),
  })
  .meta({ id: 'Referral' });

export const ReferralListQuerySchema = PageQuerySchema.extend({
  referrerId: IdSchema.optional(),
  referredId: IdSchema.optional(),
});

export type ReferralCreate = z.infer<typeof ReferralCreateSchema>;
export type Referral = z.infer<typeof ReferralSchema>;
