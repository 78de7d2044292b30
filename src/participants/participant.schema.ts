import { z } from 'zod';
import { EmailSchema, IdSchema, NameSchema, PageQuerySchema, TimestampSchema, text } from '../shared/schemas.js';
import { PARTICIPANT_KINDS } from '../shared/vocabulary.js';

const SignalsSchema = z.strictObject({
  ip: z.union([z.ipv4(), z.ipv6()], { error: 'Must be an IPv4 or IPv6 address.' }).optional(),
  deviceId: text(200, 1).optional(),
});

export const ParticipantCreateSchema = z.strictObject({
  name: NameSchema,
  email: EmailSchema.optional().nullable(),
  phone: text(40, 1).optional().nullable(),
  kind: z.enum(PARTICIPANT_KINDS).default('customer'),
  externalId: text(200, 1).optional().nullable(),
  emailMarketingConsent: z.boolean().default(false),
  smsMarketingConsent: z.boolean().default(false),
  doNotContact: z.boolean().default(false),
  address: text(500).optional().nullable(),
  /** Payment method fingerprint from the billing system (card or bank hash), for self-referral checks. */
  paymentFingerprint: text(200, 1).optional(),
  signals: SignalsSchema.optional(),
});

export const ParticipantUpdateSchema = z.strictObject({
  name: NameSchema.optional(),
  email: EmailSchema.nullable().optional(),
  phone: text(40, 1).nullable().optional(),
  kind: z.enum(PARTICIPANT_KINDS).optional(),
  externalId: text(200, 1).nullable().optional(),
  emailMarketingConsent: z.boolean().optional(),
  smsMarketingConsent: z.boolean().optional(),
  doNotContact: z.boolean().optional(),
  address: text(500).nullable().optional(),
  /** Shown on the public leaderboard (a shortened name only) when the workspace has one. */
  leaderboardOptIn: z.boolean().optional(),
});

export const ParticipantStatsSchema = z.object({
  referralsMade: z.number(),
  referralsSuccessful: z.number(),
  rewardsEarned: z.array(z.object({ currency: z.string(), amount: z.number() })),
});

export const ParticipantSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    kind: z.enum(PARTICIPANT_KINDS),
    externalId: z.string().nullable(),
    emailMarketingConsent: z.boolean(),
    smsMarketingConsent: z.boolean(),
    doNotContact: z.boolean(),
    address: z.string().nullable(),
    leaderboardOptIn: z.boolean(),
    referralCode: z.string(),
    referralUrl: z.string(),
    stats: ParticipantStatsSchema,
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
  })
  .meta({ id: 'Participant' });

export const ParticipantListQuerySchema = PageQuerySchema.extend({
  q: text(200).optional(),
  kind: z.enum(PARTICIPANT_KINDS).optional(),
});

export const ParticipantParamsSchema = z.strictObject({ id: IdSchema });

export type ParticipantCreate = z.infer<typeof ParticipantCreateSchema>;
export type ParticipantUpdate = z.infer<typeof ParticipantUpdateSchema>;
export type Participant = z.infer<typeof ParticipantSchema>;
