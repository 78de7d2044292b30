import { z } from 'zod';
import { RewardSchema } from '../rewards/reward.schema.js';
import { IdSchema, PageQuerySchema, TimestampSchema } from '../shared/schemas.js';
import { CONVERSION_TYPES } from '../shared/vocabulary.js';
import type { ConversionInputSchema } from './conversion-input.schema.js';

// The input lives apart from the results so a browser form can use it without the rewards feature.
export { ConversionInputSchema } from './conversion-input.schema.js';

export const CONVERSION_OUTCOMES = [
  'reward_created',
  'no_referral',
  'not_qualifying',
  'below_minimum',
  'no_reward_policy',
  'already_rewarded',
  'duplicate_flagged',
  'awaiting_participant',
  'reversal_applied',
  'reversal_recorded',
  'reversal_pending',
] as const;
export type ConversionOutcome = (typeof CONVERSION_OUTCOMES)[number];

export const OUTCOME_TEXT: Record<ConversionOutcome, string> = {
  reward_created: 'A reward claim was created and waits for review.',
  no_referral: 'Nobody referred this customer, so there is no reward.',
  not_qualifying: 'This type of event does not qualify under the program rules.',
  below_minimum: 'The amount is below the program minimum.',
  no_reward_policy: 'The reward policy gives no reward.',
  already_rewarded: 'This customer already has a reward claim; one reward per referred customer.',
  duplicate_flagged: 'This customer already has a claim; the possible duplicate is flagged on it.',
  awaiting_participant:
    'No participant has this referredExternalId yet; the event is kept and applied when they are added.',
  reversal_applied: 'The reversal was applied to the reward(s) of the original conversion.',
  reversal_recorded: 'The reversal was recorded; the original conversion has no reward to change.',
  reversal_pending: 'The original conversion has not arrived yet; the reversal is kept and applied when it does.',
};

export const ConversionSchema = z
  .object({
    id: z.string(),
    externalId: z.string(),
    source: z.string(),
    type: z.enum(CONVERSION_TYPES),
    referredId: z.string().nullable(),
    referredExternalId: z.string().nullable(),
    amount: z.number(),
    currency: z.string(),
    occurredAt: TimestampSchema,
    receivedAt: TimestampSchema,
    originalExternalId: z.string().nullable(),
    reversesConversionId: z.string().nullable(),
    outcome: z.enum(CONVERSION_OUTCOMES),
    /** The referred customer's name, in lists (not in the event's stored answer). */
    referredName: z.string().nullable().optional(),
  })
  .meta({ id: 'Conversion' });

export const ConversionResultSchema = z
  .object({
    conversion: ConversionSchema,
    outcome: z.enum(CONVERSION_OUTCOMES),
    outcomeText: z.string(),
    rewards: z.array(RewardSchema),
  })
  .meta({ id: 'ConversionResult' });

export const ConversionListQuerySchema = PageQuerySchema.extend({
  referredId: IdSchema.optional(),
  type: z.enum(CONVERSION_TYPES).optional(),
});

export type ConversionInput = z.infer<typeof ConversionInputSchema>;
export type ConversionResult = z.infer<typeof ConversionResultSchema>;

export const ConversionBatchInputSchema = z.strictObject({
  events: z
    .array(z.unknown().meta({ description: 'A `ConversionInput`, exactly as for `POST /v1/conversions`.' }))
    .min(1)
    .max(1000)
    .meta({
      description:
        '1–1,000 events, each exactly as for `POST /v1/conversions`, applied in this order. Each is checked on its own: an invalid one is refused in its result (400 with the `field`), the others are recorded.',
    }),
});

export const ConversionBatchResultSchema = z
  .object({
    results: z.array(
      z.object({
        index: z.number().int(),
        status: z.number().int().meta({ description: 'The HTTP status this event would have had alone.' }),
        outcome: z.enum(CONVERSION_OUTCOMES).optional(),
        conversion: ConversionSchema.optional(),
        rewards: z.array(RewardSchema).optional(),
        error: z
          .object({ code: z.string(), detail: z.string(), field: z.string().optional() })
          .optional()
          .meta({ description: 'The problem, for an event that was refused.' }),
      }),
    ),
  })
  .meta({ id: 'ConversionBatchResult' });
