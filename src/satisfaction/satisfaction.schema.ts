import { z } from 'zod';

export const SatisfactionQuerySchema = z.strictObject({
  months: z.coerce.number().int().min(1).max(36).default(6),
});

const rate = z.number().nullable();

export const SatisfactionReportSchema = z
  .object({
    satisfaction: z.object({
      responses: z.number(),
      average: z.number().nullable(),
      distribution: z.array(z.object({ score: z.number(), count: z.number() })),
      thankYousSent: z.number(),
      responseRate: rate,
    }),
    funnel: z.array(
      z.object({
        month: z.string(),
        invitationsSent: z.number(),
        linkClicks: z.number(),
        leads: z.number(),
        conversions: z.number(),
        rewards: z.number(),
        rates: z.object({ clickRate: rate, leadRate: rate, conversionRate: rate, rewardRate: rate }),
      }),
    ),
  })
  .meta({ id: 'GrowthReport' });

export type SatisfactionReport = z.infer<typeof SatisfactionReportSchema>;
