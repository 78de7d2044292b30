import { z } from 'zod';
import { TimestampSchema } from '../shared/schemas.js';
import { LEADERBOARD_PERIODS } from './leaderboard.core.js';

export const LeaderboardQuerySchema = z.strictObject({
  period: z.enum(LEADERBOARD_PERIODS).default('month'),
  limit: z.coerce.number().int().min(1).max(100).default(10),
});

export const LeaderboardSchema = z
  .object({
    period: z.enum(LEADERBOARD_PERIODS),
    from: TimestampSchema.nullable(),
    items: z.array(
      z.object({
        rank: z.number(),
        participantId: z.string(),
        name: z.string(),
        closedReferrals: z.number(),
        rewardsEarned: z.array(z.object({ currency: z.string(), amount: z.number() })),
        leaderboardOptIn: z.boolean(),
      }),
    ),
  })
  .meta({ id: 'Leaderboard' });

/** What the public page shows: no ids, no contact data, a shortened name. */
export const PublicLeaderboardSchema = z.object({
  workspace: z.string(),
  period: z.enum(LEADERBOARD_PERIODS),
  items: z.array(z.object({ rank: z.number(), name: z.string(), closedReferrals: z.number() })),
});

export type Leaderboard = z.infer<typeof LeaderboardSchema>;
export type PublicLeaderboard = z.infer<typeof PublicLeaderboardSchema>;
